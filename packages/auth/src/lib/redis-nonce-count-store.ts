/**
 * A {@link NonceCountStore} in Redis, shared by every instance behind a load balancer.
 *
 * One key per nonce, `<keyPrefix><nonce>`, holding the highest accepted `nc` and expiring
 * with the nonce (plus the 5 s of clock skew allowed between instances). The compare-and-set is one Lua script, so it is atomic across instances
 * and costs one round trip (`EVALSHA`; `EVAL` once after a `NOSCRIPT`, e.g. after a Redis
 * restart or on a new node).
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { NONCE_CLOCK_SKEW_MS } from './nonce.js'
import type { NonceCountResult, NonceCountStore, NonceInfo } from './nonce-count-store.js'

/**
 * KEYS[1]: the nonce's key. ARGV[1]: nc. ARGV[2]: time to live in milliseconds.
 * Returns 1 when nc is above the stored value (now stored), 0 otherwise.
 */
const SCRIPT = `local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`

const SCRIPT_SHA1 = createHash('sha1').update(SCRIPT).digest('hex')

/**
 * The commands the store needs, as `ioredis` (`Redis`, `Cluster`) spells them:
 * `evalsha(sha1, numKeys, ...keysAndArgs)` and `eval(script, numKeys, ...keysAndArgs)`.
 */
export interface RedisScriptClient {
  evalsha: (sha1: string, numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>
  eval: (script: string, numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>
}

/** Options of {@link RedisNonceCountStore}. */
export interface RedisNonceCountStoreOptions {
  /** Required. A connected `ioredis` client (or anything with its `evalsha` / `eval`). The store does not close it. */
  client: RedisScriptClient
  /**
   * Prefix of every key, so several apps (or test runs) can share one Redis.
   * @defaultValue `'platform-api:nc:'`
   */
  keyPrefix?: string
}

/**
 * {@link NonceCountStore} over Redis. Configure Redis so that live keys are not evicted
 * under memory pressure (`maxmemory-policy noeviction` or `volatile-ttl`): an evicted key
 * would let its nonce's requests be replayed.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const nonceCountStore = new RedisNonceCountStore({ client: new Redis(process.env.REDIS_URL) })
 * await app.register(platformAuth, { keyStore, nonceSecret, nonceCountStore })
 * ```
 */
export class RedisNonceCountStore implements NonceCountStore {
  readonly #client: RedisScriptClient
  readonly #keyPrefix: string

  /** @throws TypeError when `client` lacks `evalsha`/`eval` or `keyPrefix` is not a string. */
  constructor (options: RedisNonceCountStoreOptions) {
    const client = options?.client
    if (client === null || typeof client !== 'object' || typeof client.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new TypeError('client must be a Redis client with evalsha() and eval() (e.g. an ioredis Redis)')
    }
    const keyPrefix = options.keyPrefix ?? 'platform-api:nc:'
    if (typeof keyPrefix !== 'string') throw new TypeError('keyPrefix must be a string')
    this.#client = client
    this.#keyPrefix = keyPrefix
  }

  /** See {@link NonceCountStore.advance}. One round trip; rejects when Redis does. */
  async advance (nonce: string, nc: number, info: NonceInfo): Promise<NonceCountResult> {
    const key = this.#keyPrefix + nonce
    // Kept past the nonce's end by the clock skew allowed between instances: an instance whose
    // clock is behind still takes the nonce for valid, and must still find its count.
    const ttlMs = Math.max(1, Math.ceil(info.expiresAtMs - Date.now() + NONCE_CLOCK_SKEW_MS))
    let result: unknown
    try {
      result = await this.#client.evalsha(SCRIPT_SHA1, 1, key, nc, ttlMs)
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error
      result = await this.#client.eval(SCRIPT, 1, key, nc, ttlMs)
    }
    return Number(result) === 1 ? 'accepted' : 'replayed'
  }
}
