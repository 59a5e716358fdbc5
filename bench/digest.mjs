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

const ITERATIONS = Number(process.env.ITERATIONS ?? 5_000)
const ROUNDS = Number(process.env.ROUNDS ?? 21)
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

/**
 * µs per verification (wall and CPU) of one round: the `list` of headers verified in sequence by
 * a fresh verifier with a fresh replay state (so the same headers serve every round, nc rising
 * from 1); every call must succeed.
 */
async function round (label, algorithm, store, list) {
  const verify = verifier(algorithm, store)
  const started = process.hrtime.bigint()
  const cpuBefore = process.cpuUsage()
  for (const authorization of list) {
    const outcome = await verify({ method: 'GET', url: uri, authorization })
    if (!outcome.ok) throw new Error(`${label}: verification failed`)
  }
  const cpu = process.cpuUsage(cpuBefore)
  return { wall: Number(process.hrtime.bigint() - started) / 1000 / list.length, cpu: (cpu.user + cpu.system) / list.length }
}

/**
 * Median, min and max µs per verification (wall) and the median CPU µs of each variant over
 * ROUNDS short rounds, the variants alternating within each round (so drift of a shared machine
 * hits them alike); round 0 warms up. On a loaded machine wall time exceeds CPU time (the process
 * waits for a core): the median is the figure, the min shows what an unloaded core gives.
 */
async function measure (algorithm, variants) {
  const list = headers(algorithm, ITERATIONS)
  const times = variants.map(() => [])
  const cpus = variants.map(() => [])
  for (let r = 0; r < ROUNDS + 1; r++) {
    const order = r % 2 === 0 ? [...variants.entries()] : [...variants.entries()].reverse()
    for (const [i, [label, makeStore]] of order) {
      const us = await round(label, algorithm, makeStore?.(), list)
      if (r > 0) { times[i].push(us.wall); cpus[i].push(us.cpu) }
    }
  }
  return variants.map(([label], i) => {
    const sorted = times[i].sort((a, b) => a - b)
    const cpuSorted = cpus[i].sort((a, b) => a - b)
    return { label, algorithm, median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1], cpuMedian: cpuSorted[Math.floor(cpuSorted.length / 2)], cpuMin: cpuSorted[0] }
  })
}

/** ns per MemoryNonceCountStore.advance alone (rising nc on one nonce, then fresh nonces). */
function advanceCost () {
  const store = new MemoryNonceCountStore()
  const now = Date.now()
  const info = { issuedAtMs: now, expiresAtMs: now + 300_000 }
  const nonces = Array.from({ length: 200_000 }, (_, i) => `nonce-${i}`)
  let started = process.hrtime.bigint()
  for (let nc = 1; nc <= 1_000_000; nc++) if (store.advance('one', nc, info) !== 'accepted') throw new Error('advance')
  const rising = Number(process.hrtime.bigint() - started) / 1_000_000
  started = process.hrtime.bigint()
  for (const nonce of nonces) store.advance(nonce, 1, info)
  const fresh = Number(process.hrtime.bigint() - started) / nonces.length
  return { rising, fresh }
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
  rows.push(...await measure(algorithm, [['no replay check'], ['MemoryNonceCountStore', () => new MemoryNonceCountStore()]]))
}
const redis = await connectRedis()
let redisNote = ''
if (typeof redis === 'string') {
  redisNote = redis
} else {
  const keyPrefix = `platform-api-bench:${randomUUID()}:`
  rows.push(...await measure('SHA-256', [['no replay check'], ['RedisNonceCountStore (sequential: one round trip each)', () => new RedisNonceCountStore({ client: redis, keyPrefix: `${keyPrefix}${randomUUID()}:` })]]))
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
  rows.push({ label: 'RedisNonceCountStore (64 in flight: amortized)', algorithm: 'SHA-256', median: us, min: us, max: us, cpuMedian: Number.NaN, cpuMin: Number.NaN })
  const keys = await redis.keys(`${keyPrefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
}

const memory = memoryPerEntry(100_000)
const advance = advanceCost()
const notes = [
  `MemoryNonceCountStore.advance alone: ${advance.rising.toFixed(0)} ns (same nonce, nc rising), ${advance.fresh.toFixed(0)} ns (a fresh nonce)`,
  `MemoryNonceCountStore: ${memory.entries} nonces remembered, ${memory.bytesPerEntry.toFixed(0)} heap bytes each`,
  ...(redisNote !== '' ? [`Redis: skipped (${redisNote})`] : [])
]
if (process.env.BENCH_JSON !== undefined) {
  // for bench/run.mjs: one JSON line
  console.log(JSON.stringify({ rows, notes }))
  process.exit(0)
}
console.log(`# Digest verification (verifyDigest), ${ITERATIONS} calls x ${ROUNDS} rounds, node ${process.version}\n`)
console.log('| replay state | algorithm | wall µs per verification (median) | wall min - max | CPU µs (median) | CPU min |')
console.log('|---|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.label} | ${r.algorithm} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)} - ${r.max.toFixed(2)} | ${r.cpuMedian.toFixed(2)} | ${r.cpuMin.toFixed(2)} |`)
if (redisNote !== '') console.log(`\nRedis: skipped (${redisNote})`)
console.log(`\nMemoryNonceCountStore.advance alone: ${advance.rising.toFixed(0)} ns (same nonce, nc rising), ${advance.fresh.toFixed(0)} ns (a fresh nonce)`)
console.log(`MemoryNonceCountStore: ${memory.entries} nonces remembered, ${memory.bytesPerEntry.toFixed(0)} heap bytes each${globalThis.gc === undefined ? ' (run with --expose-gc for a steadier figure)' : ''}`)
