#!/usr/bin/env node
// Store benchmarks (issue 7), `npm run bench:store` (after a build). Not part of `npm test`.
//
// 1. Single-entity GET and create throughput on MemoryStore, PGlite and PostgreSQL, measured
//    in this run, at two layers: the Store itself, and the example server's HTTP routes
//    (`inject`, Digest-authenticated, so routing, auth, validation and serialization count).
//    Reported as ratios to MemoryStore.
// 2. Deep page on PostgreSQL: 1,000,000 rows in one collection, the page after the cursor at
//    row 900,000 against the first page; the ratio should be at most 1.5. The page mode
//    (OFFSET 900,000) is shown beside it for comparison.
//
// Environment: BENCH_PARTS (default throughput,deep), BENCH_SECONDS (per measurement, default 3), BENCH_CONCURRENCY (default 16),
// BENCH_ROWS (deep-page rows, default 1000000), TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test). Tables go to a schema pa_test_<random>, dropped at the end.
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { MemoryStore, digestAuthorization } from 'fastify-platform-api'
import { openPostgresStore } from '@platform-api/store-postgres'
import { buildServer } from '../examples/platform-server/dist/server.js'
import { BENCH_DATABASE_URL, dropSchemas } from './common.mjs'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const PARTS = (process.env.BENCH_PARTS ?? 'throughput,deep').split(',')
const URL_ = BENCH_DATABASE_URL
const OWNER = { publicKey: 'benchowner', privateKey: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b' }

const schemas = []
const schema = () => { const s = `pa_test_${randomBytes(6).toString('hex')}`; schemas.push(s); return s }

async function pgReachable () {
  const c = new pg.Client({ connectionString: URL_, connectionTimeoutMillis: 3000 })
  c.on('error', () => {})
  try { await c.connect(); await c.query('SELECT 1'); return true } catch (err) { console.log(`PostgreSQL unreachable (${err.message}): its figures are left out`); return false } finally { await c.end().catch(() => {}) }
}

/** Operations per second of `op` run by CONCURRENCY loops for SECONDS. */
async function throughput (op) {
  const until = Date.now() + SECONDS * 1000
  let n = 0
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    for (let i = 0; Date.now() < until; i++) { await op(w, i); n++ }
  }))
  return n / (Number(process.hrtime.bigint() - started) / 1e9)
}

function entity (name) {
  const now = new Date().toISOString()
  return { id: randomUUID(), name, fullyQualifiedName: name, parentId: null, version: 1, createdAt: now, updatedAt: now, type: 'hive', description: 'a catalog for the benchmark' }
}

async function storeLayer (store) {
  const ids = []
  for (let i = 0; i < 1000; i++) ids.push((await store.create('catalogs', entity(`seed${i}`))).id)
  const get = await throughput(async (w, i) => { if (await store.get('catalogs', ids[(w * 7919 + i) % ids.length]) === undefined) throw new Error('missing') })
  const tag = randomBytes(3).toString('hex')
  const create = await throughput(async (w, i) => { await store.create('catalogs', entity(`c${tag}w${w}n${i}`)) })
  return { get, create }
}

async function httpLayer (store) {
  // Rate limits out of reach, as in bench/servers.mjs: the defaults (1200 requests a minute per key) answer 429 within a second.
  const { app } = await buildServer({ envelope: { httpsOnly: false }, publicUrl: 'https://bench.invalid', store, seed: false, rateLimit: { perAddressMax: 1_000_000_000, perKeyMax: 1_000_000_000 }, adminKey: { ...OWNER, accessList: [{ cidrBlock: '127.0.0.1/32' }] } })
  await app.ready()
  // The suite refuses replays (RFC 7616 §5.5): each worker answers its own nonce with nc
  // rising, as a real client does; the Authorization is computed per request.
  const challenges = []
  for (let w = 0; w <= CONCURRENCY; w++) {
    const header = (await app.inject({ url: '/api/v1/catalogs' })).headers['www-authenticate']
    challenges.push({ challenge: Array.isArray(header) ? header[0] : header, nc: 0 })
  }
  const auth = (method, uri, w = CONCURRENCY) => {
    const c = challenges[w]
    return digestAuthorization({ challenge: c.challenge, username: OWNER.publicKey, password: OWNER.privateKey, method, uri, nc: ++c.nc })
  }
  const ids = []
  for (let i = 0; i < 200; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/catalogs', headers: { authorization: auth('POST', '/api/v1/catalogs') }, payload: { name: `h${i}`, type: 'hive' } })
    if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`)
    ids.push(res.json().id)
  }
  const get = await throughput(async (w, i) => {
    const id = ids[(w * 7919 + i) % ids.length]
    const res = await app.inject({ url: `/api/v1/catalogs/${id}`, headers: { authorization: auth('GET', `/api/v1/catalogs/${id}`, w) } })
    if (res.statusCode !== 200) throw new Error(`get: ${res.statusCode} ${res.body}`)
  })
  const tag = randomBytes(3).toString('hex')
  const create = await throughput(async (w, i) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/catalogs', headers: { authorization: auth('POST', '/api/v1/catalogs', w) }, payload: { name: `p${tag}w${w}n${i}`, type: 'hive' } })
    if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`)
  })
  await app.close()
  return { get, create }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
async function timed (fn, runs = 15) {
  await fn(); await fn()
  const ms = []
  for (let i = 0; i < runs; i++) { const t0 = process.hrtime.bigint(); await fn(); ms.push(Number(process.hrtime.bigint() - t0) / 1e6) }
  return median(ms)
}

async function deepPage () {
  const s = schema()
  const store = await openPostgresStore({ connectionString: URL_, schema: s, statementTimeoutMs: 600_000 })
  const c = new pg.Client({ connectionString: URL_ })
  await c.connect()
  const t0 = Date.now()
  // Rows made in SQL (the benchmark is about reading them); the same columns the store writes.
  await c.query(`INSERT INTO "${s}".pa_entities (id, collection, parent_id, name, fully_qualified_name, version, created_at, updated_at, doc)
    SELECT u.id, 'rows', NULL, u.name, u.name, 1, now(), now(),
      jsonb_build_object('id', u.id, 'name', u.name, 'fullyQualifiedName', u.name, 'parentId', NULL, 'version', 1,
        'createdAt', '2026-01-01T00:00:00.000Z', 'updatedAt', '2026-01-01T00:00:00.000Z', 'type', 'hive')
    FROM (SELECT gen_random_uuid() AS id, 'row' || lpad(g::text, 7, '0') AS name FROM generate_series(1, $1) g) u`, [ROWS])
  await c.query(`ANALYZE "${s}".pa_entities`)
  const loadSeconds = (Date.now() - t0) / 1000
  const cursorRow = Math.floor(ROWS * 0.9)
  const key = `row${String(cursorRow).padStart(7, '0')}`
  const first = await timed(async () => { const p = await store.list('rows', { limit: 100 }); if (p.items.length !== 100) throw new Error('short page') })
  const deep = await timed(async () => { const p = await store.list('rows', { limit: 100, after: [key] }); if (p.items[0].name !== `row${String(cursorRow + 1).padStart(7, '0')}`) throw new Error('wrong page') })
  const offset = await timed(async () => { const p = await store.list('rows', { limit: 100, offset: cursorRow }); if (p.items.length !== 100) throw new Error('short page') }, 5)
  // The page statement alone (what keyset pagination is about), without the exact total
  // that every list answer also counts.
  const sql = (extra, params) => `SELECT doc FROM "${s}".pa_entities WHERE collection = $1 ${extra} ORDER BY fully_qualified_name ASC LIMIT 101`
  const pageFirst = await timed(async () => { await c.query(sql('', []), ['rows']) })
  const pageDeep = await timed(async () => { await c.query(sql('AND fully_qualified_name > $2'), ['rows', key]) })
  const count = await timed(async () => { await c.query(`SELECT count(*)::int FROM "${s}".pa_entities WHERE collection = $1`, ['rows']) }, 5)
  const plan = async (extra, params) => {
    const { rows } = await c.query(`EXPLAIN (FORMAT JSON) ${sql(extra)}`, params)
    const walk = (n) => [`${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}`, ...(n.Plans ?? []).flatMap(walk)]
    return walk(rows[0]['QUERY PLAN'][0].Plan).join(' > ')
  }
  console.log(`  plan of the first page: ${await plan('', ['rows'])}`)
  console.log(`  plan of the deep page:  ${await plan('AND fully_qualified_name > $2', ['rows', key])}`)
  const { rows: [exists] } = await c.query(`EXPLAIN (FORMAT JSON) SELECT EXISTS (SELECT 1 FROM "${s}".pa_entities WHERE collection = $1 AND fully_qualified_name < $2) AS e`, ['rows', 'row0000001'])
  console.log(`  plan of hasBefore on the first page: ${JSON.stringify(exists['QUERY PLAN'][0].Plan.Plans?.map((p) => `${p['Node Type']} ${p['Index Name'] ?? ''}`))}`)
  await c.end()
  await store.close()
  return { loadSeconds, first, deep, offset, pageFirst, pageDeep, count }
}

const fmt = (n) => n.toFixed(0).padStart(8)
const ratio = (a, b) => (a / b).toFixed(3)

const hasPg = await pgReachable()
console.log(`store benchmark: ${SECONDS} s per measurement, concurrency ${CONCURRENCY}, node ${process.version}`)
const dir = await mkdtemp(join(tmpdir(), 'pa-bench-'))
const results = {}
try {
  const kinds = [['MemoryStore', async () => new MemoryStore()], ['PGlite', async () => await openPostgresStore({ dataDir: join(dir, `pg${Object.keys(results).length}`) })]]
  if (hasPg) kinds.push(['PostgreSQL', async () => await openPostgresStore({ connectionString: URL_, schema: schema(), maxConnections: CONCURRENCY })])
  for (const [name, open] of PARTS.includes('throughput') ? kinds : []) {
    const s1 = await open()
    const store = await storeLayer(s1)
    await s1.close?.()
    const s2 = await open()
    const http = await httpLayer(s2)
    await s2.close?.()
    results[name] = { store, http }
    console.log(`${name.padEnd(12)} store: GET ${fmt(store.get)}/s create ${fmt(store.create)}/s | HTTP: GET ${fmt(http.get)}/s create ${fmt(http.create)}/s`)
  }
  const base = results.MemoryStore
  if (base !== undefined) console.log('\nratios to MemoryStore (throughput; 1 = as fast)')
  for (const name of Object.keys(results).filter((n) => n !== 'MemoryStore')) {
    const r = results[name]
    console.log(`${name.padEnd(12)} store: GET ${ratio(r.store.get, base.store.get)} create ${ratio(r.store.create, base.store.create)} | HTTP: GET ${ratio(r.http.get, base.http.get)} create ${ratio(r.http.create, base.http.create)}`)
  }
  if (hasPg && PARTS.includes('deep')) {
    const d = await deepPage()
    console.log(`\ndeep page on PostgreSQL: ${ROWS} rows (loaded in ${d.loadSeconds.toFixed(1)} s), limit 100, median ms`)
    console.log(`  store.list first page            ${d.first.toFixed(2)} ms`)
    console.log(`  store.list after row ${Math.floor(ROWS * 0.9)}     ${d.deep.toFixed(2)} ms   ratio deep/first ${ratio(d.deep, d.first)} (target <= 1.5)`)
    console.log(`  page statement alone: first ${d.pageFirst.toFixed(2)} ms, deep ${d.pageDeep.toFixed(2)} ms, ratio ${ratio(d.pageDeep, d.pageFirst)}`)
    console.log(`  exact total (count) alone        ${d.count.toFixed(2)} ms (part of every list answer)`)
    console.log(`  page mode, OFFSET ${Math.floor(ROWS * 0.9)}       ${d.offset.toFixed(2)} ms   ratio to first ${ratio(d.offset, d.first)} (for comparison: OFFSET reads every skipped row)`)
  }
} finally {
  await rm(dir, { recursive: true, force: true })
  if (hasPg) await dropSchemas(schemas)
}
