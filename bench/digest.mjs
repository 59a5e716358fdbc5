// `npm run bench:digest`: the cost of one HTTP Digest verification (`verifyDigest`, as the
// auth plugin's onRequest hook calls it), in microseconds, without and with the replay check
// (MemoryNonceCountStore; RedisNonceCountStore against REDIS_URL, default 127.0.0.1:6379),
// and the memory the in-memory replay state takes per nonce. Needs a build (npm run build).
//
// The Authorization headers are made beforehand (a client's cost is not the server's): one
// nonce, nc rising 1, 2, 3… as curl and Python requests send them.
import { randomUUID } from 'node:crypto'
import {
  computeAllHA1, createDigestVerifier, createNonce, digestAuthorization, MemoryKeyStore,
  MemoryNonceCountStore, RedisNonceCountStore
} from '@platform-api/auth'

const ITERATIONS = Number(process.env.ITERATIONS ?? 10_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const realm = 'platform-api'
const nonceSecret = Buffer.alloc(32, 7)
const publicKey = 'benchkey0001'
const privateKey = randomUUID()
const keyStore = new MemoryKeyStore([{ id: 'k', publicKey, roles: ['ORG_MEMBER'], ha1: computeAllHA1(publicKey, realm, privateKey) }])
const uri = '/api/v1/catalogs/6f1c1d3e-0d5f-4a57-9a40-7e7d2c1f0a11'

function headers (algorithm, count) {
  const challenge = `Digest realm="${realm}", qop="auth", algorithm=${algorithm}, nonce="${createNonce(nonceSecret)}", opaque="x"`
  return Array.from({ length: count }, (_, i) => digestAuthorization({ challenge, username: publicKey, password: privateKey, method: 'GET', uri, nc: i + 1 }).replace(', opaque="x"', ''))
}

function verifier (algorithm, nonceCountStore) {
  return createDigestVerifier({
    realm, algorithms: [algorithm], keyStore, nonceSecret, nonceLifetimeSeconds: 3600, opaque: 'unused', nonceCountStore
  })
}

/** Median µs per verification over ROUNDS rounds of ITERATIONS sequential calls; every call must succeed. */
async function measure (label, algorithm, makeStore) {
  const perRound = []
  for (let round = 0; round < ROUNDS + 1; round++) {
    const verify = verifier(algorithm, makeStore?.())
    const list = headers(algorithm, ITERATIONS)
    const started = process.hrtime.bigint()
    for (const authorization of list) {
      const outcome = await verify({ method: 'GET', url: uri, authorization })
      if (!outcome.ok) throw new Error(`${label}: verification failed`)
    }
    const us = Number(process.hrtime.bigint() - started) / 1000 / ITERATIONS
    if (round > 0) perRound.push(us) // round 0 warms up the JIT
  }
  perRound.sort((a, b) => a - b)
  const median = perRound[Math.floor(perRound.length / 2)]
  return { label, algorithm, median, min: perRound[0], max: perRound[perRound.length - 1] }
}

/** Heap bytes per remembered nonce in MemoryNonceCountStore. */
function memoryPerEntry (entries) {
  globalThis.gc?.()
  const store = new MemoryNonceCountStore({ maxEntries: entries })
  const nonces = Array.from({ length: entries }, () => createNonce(nonceSecret))
  globalThis.gc?.()
  const before = process.memoryUsage().heapUsed
  const now = Date.now()
  for (const nonce of nonces) store.advance(nonce, 1, { issuedAtMs: now, expiresAtMs: now + 300_000 })
  globalThis.gc?.()
  const after = process.memoryUsage().heapUsed
  return { entries: store.size, bytesPerEntry: (after - before) / entries }
}

async function connectRedis () {
  try {
    const { Redis } = await import('ioredis')
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null })
    client.on('error', () => {})
    await client.connect()
    await client.ping()
    return client
  } catch (error) {
    return `Redis unreachable at ${REDIS_URL}: ${error.message}`
  }
}

const rows = []
for (const algorithm of ['SHA-256', 'MD5', 'SHA-512-256', 'SHA-256-sess']) {
  rows.push(await measure('no replay check', algorithm))
  rows.push(await measure('MemoryNonceCountStore', algorithm, () => new MemoryNonceCountStore()))
}
const redis = await connectRedis()
let redisNote = ''
if (typeof redis === 'string') {
  redisNote = redis
} else {
  const keyPrefix = `platform-api-bench:${randomUUID()}:`
  rows.push(await measure('RedisNonceCountStore (sequential: one round trip each)', 'SHA-256', () => new RedisNonceCountStore({ client: redis, keyPrefix })))
  // throughput with 64 verifications in flight (64 clients, each its own nonce, nc rising)
  const verify = verifier('SHA-256', new RedisNonceCountStore({ client: redis, keyPrefix }))
  const perClient = Math.ceil(ITERATIONS / 64)
  const clients = Array.from({ length: 64 }, () => headers('SHA-256', perClient))
  const started = process.hrtime.bigint()
  for (let i = 0; i < perClient; i++) {
    const outcomes = await Promise.all(clients.map((list) => verify({ method: 'GET', url: uri, authorization: list[i] })))
    if (outcomes.some((o) => !o.ok)) throw new Error('Redis, 64 in flight: a verification failed')
  }
  const us = Number(process.hrtime.bigint() - started) / 1000 / (perClient * 64)
  rows.push({ label: 'RedisNonceCountStore (64 in flight: amortized)', algorithm: 'SHA-256', median: us, min: us, max: us })
  const keys = await redis.keys(`${keyPrefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
}

const memory = memoryPerEntry(100_000)
console.log(`# Digest verification (verifyDigest), ${ITERATIONS} calls x ${ROUNDS} rounds, node ${process.version}\n`)
console.log('| replay state | algorithm | µs per verification (median) | min - max |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(`| ${r.label} | ${r.algorithm} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)} - ${r.max.toFixed(2)} |`)
if (redisNote !== '') console.log(`\nRedis: skipped (${redisNote})`)
console.log(`\nMemoryNonceCountStore: ${memory.entries} nonces remembered, ${memory.bytesPerEntry.toFixed(0)} heap bytes each${globalThis.gc === undefined ? ' (run with --expose-gc for a steadier figure)' : ''}`)
