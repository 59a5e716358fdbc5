/**
 * Replay protection state: the highest nonce count (`nc`) seen per nonce (RFC 7616 §3.3,
 * §3.4, §5.5 "Replay Attacks").
 *
 * For each nonce the server issued, `nc` must rise strictly: a request whose `nc` is not
 * above every `nc` already accepted with that nonce is a replay (or a resent copy) and
 * is refused. An entry is written only after the request's `response` was verified, so
 * only holders of a key can add entries; it expires with its nonce.
 *
 * The same map is the cache of verified nonces (issue 12): an entry exists only for a nonce
 * whose HMAC and a `response` were verified, so a store that implements
 * {@link NonceCountStore.verifiedNonce} lets the verifier skip the nonce's HMAC check; the entry
 * that lookup returns is handed back to `advance`, so one map lookup serves both.
 *
 * @module
 */

/** What the server knows about the nonce being answered, passed to {@link NonceCountStore.advance}. */
export interface NonceInfo {
  /** When the nonce was issued, milliseconds since the epoch (carried in the nonce itself). */
  issuedAtMs: number
  /** When the nonce expires, milliseconds since the epoch; the entry may be dropped after it. */
  expiresAtMs: number
}

/**
 * The answer of {@link NonceCountStore.advance}:
 * - `accepted`: `nc` is above every `nc` recorded for the nonce (or none is); it is now recorded;
 * - `replayed`: an equal or higher `nc` was already accepted with this nonce;
 * - `forgotten`: the store can no longer tell (the in-memory store evicted entries of nonces
 *   this old to stay bounded); the request must be refused, and the client asked for a new
 *   nonce with `stale=true`.
 */
export type NonceCountResult = 'accepted' | 'replayed' | 'forgotten'

/**
 * Where the highest `nc` of each nonce is kept. Implementations must make the
 * compare-and-set atomic: two requests with the same nonce and `nc` racing on several
 * instances must not both be `accepted`.
 *
 * Included: {@link MemoryNonceCountStore} (one process) and `RedisNonceCountStore`
 * (several instances behind a load balancer).
 */
export interface NonceCountStore {
  /**
   * Records `nc` for `nonce` if it is above the highest recorded one.
   *
   * @param nonce - the nonce, already verified as ours and unexpired.
   * @param nc - the nonce count as a number, 1..2^32-1.
   * @param info - the nonce's issue and expiry times.
   * @returns the outcome, synchronously or as a promise (a rejection becomes a 500).
   */
  advance: (nonce: string, nc: number, info: NonceInfo, verified?: VerifiedNonce) => NonceCountResult | Promise<NonceCountResult>
  /**
   * Optional, synchronous: the record of `nonce` if this store holds one and it has not expired
   * at `nowMs` (an expired one is dropped now). A record exists only for a nonce the verifier
   * already proved ours (HMAC) and answered rightly once, so the verifier may skip the HMAC
   * check; it still checks the `response` and then calls `advance` with the record, which must
   * treat it as the result of its own lookup. A store shared by several registrations must be
   * used with one `nonceSecret`.
   *
   * @param nonce - the `nonce` parameter as received (not yet verified).
   * @param nowMs - the current time, milliseconds since the epoch.
   */
  verifiedNonce?: (nonce: string, nowMs: number) => VerifiedNonce | undefined
  /** Releases what the store holds open (timers, connections); called from the plugin's `onClose`. */
  close?: () => void | Promise<void>
}

/**
 * What {@link NonceCountStore.verifiedNonce} returns: the nonce's times, and for the store the
 * handle of its entry (passed back to `advance`).
 */
export interface VerifiedNonce extends NonceInfo {
  /** The highest `nc` accepted so far with this nonce. */
  readonly nc: number
}

/** Options of {@link MemoryNonceCountStore}. */
export interface MemoryNonceCountStoreOptions {
  /**
   * Most nonces remembered at once (integer >= 1). When full, expired entries are dropped
   * first, then the least recently used ones; a nonce issued no later than an evicted
   * live one is then `forgotten` (the client retries with a fresh nonce), never accepted
   * twice. At about 150 bytes per entry the default holds 100 000 nonces in ~15 MB.
   * @defaultValue `100000`
   */
  maxEntries?: number
  /** Clock, milliseconds since the epoch (tests). @defaultValue `Date.now` */
  now?: () => number
}

interface Entry {
  nc: number
  issuedAtMs: number
  expiresAtMs: number
  /** `false` once removed from the map: a handle held across an `await` may be stale. */
  stored: boolean
}

/**
 * The in-process {@link NonceCountStore}: a `Map` in least-recently-used order with a
 * size cap and per-entry expiry, O(1) per request. For one instance; several instances
 * behind a load balancer need a shared store (`RedisNonceCountStore`).
 *
 * Bounded under a flood of fresh nonces: at most `maxEntries` entries; eviction of a live
 * entry raises a watermark so that no evicted nonce can be accepted again.
 */
export class MemoryNonceCountStore implements NonceCountStore {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number
  /** Nonces issued at or before this time and not in the map are `forgotten`. */
  #forgottenUpToMs = Number.NEGATIVE_INFINITY

  /** @throws TypeError when `maxEntries` is not an integer >= 1. */
  constructor (options: MemoryNonceCountStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be an integer >= 1')
    this.#maxEntries = maxEntries
    this.#now = options.now ?? Date.now
  }

  /** Number of nonces remembered now (expired ones may still count until swept). */
  get size (): number {
    return this.#entries.size
  }

  /**
   * See {@link NonceCountStore.verifiedNonce}: one `Map` lookup; an entry past its nonce's
   * expiry is deleted here (so the client is told `stale=true` by the HMAC path, as before).
   */
  verifiedNonce (nonce: string, nowMs: number): VerifiedNonce | undefined {
    const entry = this.#entries.get(nonce)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs < nowMs) {
      entry.stored = false
      this.#entries.delete(nonce)
      return undefined
    }
    return entry
  }

  /**
   * See {@link NonceCountStore.advance}. Synchronous, O(1) amortized. With `verified` (this
   * store's own record from {@link verifiedNonce}, still in the map) the lookup is not repeated.
   */
  advance (nonce: string, nc: number, info: NonceInfo, verified?: VerifiedNonce): NonceCountResult {
    const entries = this.#entries
    const entry = verified !== undefined && (verified as Entry).stored === true ? verified as Entry : entries.get(nonce)
    if (entry !== undefined) {
      if (nc <= entry.nc) return 'replayed'
      entry.nc = nc
      // Move to the most recently used end.
      entries.delete(nonce)
      entries.set(nonce, entry)
      return 'accepted'
    }
    if (info.issuedAtMs <= this.#forgottenUpToMs) return 'forgotten'
    if (entries.size >= this.#maxEntries) this.#makeRoom()
    entries.set(nonce, { nc, issuedAtMs: info.issuedAtMs, expiresAtMs: info.expiresAtMs, stored: true })
    return 'accepted'
  }

  /** Drops expired entries from the least recently used end, then evicts one live entry if still full. */
  #makeRoom (): void {
    const now = this.#now()
    const entries = this.#entries
    for (const [nonce, entry] of entries) {
      if (entries.size < this.#maxEntries) return
      entry.stored = false
      if (entry.expiresAtMs < now) {
        entries.delete(nonce)
        continue
      }
      // A live entry: evict it, and never accept its nonce (or older ones) again.
      entries.delete(nonce)
      if (entry.issuedAtMs > this.#forgottenUpToMs) this.#forgottenUpToMs = entry.issuedAtMs
    }
  }

  /** Forgets everything (the watermark too). */
  close (): void {
    for (const entry of this.#entries.values()) entry.stored = false
    this.#entries.clear()
  }
}
