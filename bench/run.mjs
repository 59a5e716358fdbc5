#!/usr/bin/env node
// `npm run bench` (after a build; not part of `npm test`): every figure of issue 12 in one run,
// written to docs/benchmarks.md and docs/benchmarks.svg.
//
// HTTP scenarios (GET by id, list of 100, POST, PATCH): the whole suite (the example server's
// buildServer, MemoryStore, Digest + replay check + access list + roles + validation +
// envelope) beside bare Fastify serving the same bytes from a Map and Express 5 +
// passport-http's DigestStrategy with the same validation (GET and list). Plain HTTP for
// every contender; each server in its own process pinned to core 0, this load generator
// (autocannon's programmatic API) on core 1 when `taskset` exists. Every request carries a
// fresh Digest `Authorization` (MD5, the one algorithm passport-http speaks; one nonce per
// connection, nc rising 1, 2, 3… as real clients send it), computed by this process; every
// run's challenges are fetched before the scenario's warm-up, not just before the run. Each
// scenario: REPS repetitions, the contenders' order alternating; medians and min-max. A run
// with more than 1 % non-2xx answers (or errors) is reported FAILED, not fast.
//
// Then: verifyDigest µs per call (bench/digest.mjs), deep page at 1 M entities (MemoryStore),
// startup to the first /health and idle RSS (the bundled example server `npm start` runs vs bare
// HTTPS Fastify; bench/startup.mjs), and the store figures of bench/store.mjs (PostgreSQL vs
// MemoryStore) when PostgreSQL is reachable.
//
// Environment: BENCH_SECONDS (per measurement, default 3), BENCH_REPS (default 3),
// BENCH_CONNECTIONS (default 16), BENCH_PARTS (default http,digest,deep,startup,store).
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { digestAuthorization } from '@platform-api/auth'
import { BENCH_DATABASE_URL, KEY, dropSchemas } from './common.mjs'
import { SERVER_ENTRY, serverEnv, startup } from './startup.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const REPS = Number(process.env.BENCH_REPS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const PARTS = (process.env.BENCH_PARTS ?? 'http,digest,deep,startup,store').split(',')
/** Requests a connection sends before autocannon clears its context (then it takes a new nonce). */
const REQUESTS_PER_CONTEXT = 20_000
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0 && cpus().length >= 2

// This process (the load generator) on core 1, the servers on core 0.
if (hasTaskset && process.env.BENCH_PINNED === undefined) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } })
  const [code] = await once(child, 'exit')
  process.exit(code ?? 1)
}

const started = Date.now()
const log = (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`)

const children = new Set()
process.on('exit', () => { for (const child of children) child.kill() })

/** Starts `node <args>` pinned to core 0; resolves with the first JSON line it prints. */
async function startServer (args, env = {}) {
  const command = hasTaskset ? 'taskset' : process.execPath
  const argv = hasTaskset ? ['-c', '0', process.execPath, ...args] : args
  const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  children.add(child)
  let buffer = ''
  const ready = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      const line = buffer.split('\n')[0]
      if (buffer.includes('\n')) { try { resolve(JSON.parse(line)) } catch (err) { reject(err) } }
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
  // With taskset, the pid of the node process is the child's (taskset execs).
  return { child, pid: child.pid, ...ready }
}

/** User + system CPU of a process so far, in microseconds (from /proc; 10 ms resolution). */
function cpuMicros (pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1e6 / 100
  } catch { return NaN }
}

async function request (port, method, path, headers = {}, body) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/** One MD5 challenge per connection, from 401 answers. */
async function challenges (port, path, count) {
  const list = []
  for (let i = 0; i < count; i++) {
    const res = await request(port, 'GET', path)
    if (res.status !== 401) throw new Error(`expected a 401 challenge from ${path}, got ${res.status}`)
    const values = res.headers.get('www-authenticate').split(/,\s*(?=Digest )/)
    list.push(values.find((v) => /algorithm=MD5\b/i.test(v) || !/algorithm=/i.test(v)) ?? values[0])
  }
  return list
}

/**
 * autocannon `requests` entry computing a fresh Authorization per request: connection k uses
 * nonce k with its own rising nc (autocannon's per-connection `context`).
 */
function signed (method, pathOf, nonces, extra = () => ({})) {
  let connections = 0
  return {
    method,
    setupRequest (req, context) {
      if (context.k === undefined) { context.k = connections++; context.nc = 0 }
      context.nc++
      const path = pathOf(context)
      const more = extra(context)
      const authorization = digestAuthorization({ challenge: nonces[context.k % nonces.length], username: KEY.publicKey, password: KEY.privateKey, method, uri: path, nc: context.nc })
      return { ...req, method, path, ...more, headers: { ...req.headers, ...(more.headers ?? {}), authorization } }
    }
  }
}

async function load (server, scenario, prefetched) {
  const nonces = scenario.auth === false ? [] : prefetched ?? await challenges(server.port, scenario.challengePath, 2 * CONNECTIONS)
  const bare = scenario.auth === false
  const entry = signed(scenario.method, scenario.path, bare ? ['Digest realm="platform-api", nonce="bare", qop="auth"'] : nonces, scenario.extra)
  const cpuBefore = cpuMicros(server.pid)
  // autocannon clears a connection's `context` each time it has sent every entry of `requests`:
  // the same entry many times keeps each connection's nonce and nc for the whole run.
  const result = await autocannon({ url: `http://127.0.0.1:${server.port}`, connections: CONNECTIONS, duration: SECONDS, requests: new Array(REQUESTS_PER_CONTEXT).fill(entry), initialContext: {} })
  const cpu = cpuMicros(server.pid) - cpuBefore
  const total = result.requests.total
  const bad = result.non2xx + result.errors + result.timeouts
  return {
    rps: total / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequestUs: total > 0 ? cpu / total : NaN,
    failed: total === 0 || bad / Math.max(1, total + result.errors) > 0.01,
    badPercent: 100 * bad / Math.max(1, total + result.errors)
  }
}

const med = (xs) => { const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.floor(s.length / 2)] }
const lo = (xs) => Math.min(...xs)
const hi = (xs) => Math.max(...xs)

// ---------------------------------------------------------------- HTTP scenarios
const results = { http: [], notes: [] }
if (PARTS.includes('http')) {
  log('starting the servers')
  const suite = await startServer(['bench/servers.mjs', 'suite'])
  // The bytes the suite serves become the bare and Express servers' Map.
  const sign = async (method, path, nonce, nc, headers = {}, body) => request(suite.port, method, path, { ...headers, authorization: digestAuthorization({ challenge: nonce, username: KEY.publicKey, password: KEY.privateKey, method, uri: path, nc }) }, body)
  const [nonce] = await challenges(suite.port, '/api/v1/catalogs', 1)
  const entities = {}
  let nc = 0
  for (const id of suite.ids) {
    const res = await sign('GET', `/api/v1/catalogs/${id}`, nonce, ++nc)
    if (res.status !== 200) throw new Error(`suite GET: ${res.status} ${res.text}`)
    entities[id] = res.text
  }
  const list = await sign('GET', '/api/v1/catalogs?limit=100', nonce, ++nc)
  if (list.status !== 200 || JSON.parse(list.text).data.length !== 100) throw new Error(`suite list: ${list.status} ${list.text.slice(0, 200)}`)
  const dir = mkdtempSync(join(tmpdir(), 'pa-bench-'))
  const fixture = join(dir, 'fixture.json')
  writeFileSync(fixture, JSON.stringify({ entities, list: list.text, template: entities[suite.ids[0]] }))
  const bare = await startServer(['bench/servers.mjs', 'bare', fixture])
  const express = await startServer(['bench/servers.mjs', 'express', fixture])
  const servers = { suite, bare, express }
  const ids = suite.ids
  let posted = 0
  const scenarios = [
    { name: 'GET by id', method: 'GET', challengePath: '/api/v1/catalogs', path: (c) => `/api/v1/catalogs/${ids[(c.nc * 7 + c.k) % ids.length]}`, contenders: ['suite', 'bare', 'express'] },
    { name: 'list of 100', method: 'GET', challengePath: '/api/v1/catalogs', path: () => '/api/v1/catalogs?limit=100', contenders: ['suite', 'bare', 'express'] },
    {
      name: 'POST create', method: 'POST', challengePath: '/api/v1/catalogs', path: () => '/api/v1/catalogs', contenders: ['suite', 'bare'],
      extra: () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `p${process.pid}x${posted++}`, type: 'iceberg', description: 'posted by the benchmark' }) })
    },
    {
      name: 'PATCH (JSON Patch)', method: 'PATCH', challengePath: '/api/v1/catalogs', path: (c) => `/api/v1/catalogs/${ids[(c.nc * 7 + c.k) % ids.length]}`, contenders: ['suite', 'bare'],
      extra: (c) => ({ headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/description', value: `patched ${c.k}/${c.nc}` }]) })
    }
  ]
  for (const scenario of scenarios) {
    const runs = Object.fromEntries(scenario.contenders.map((c) => [c, []]))
    // Every run's challenges (fresh nonces: a run starts each nonce at nc=1) are fetched before
    // the warm-up: a burst of 401 answers just before a measured run knocked the Digest servers'
    // hot path out of optimized code, and the run then paid for recompiling it (bare Fastify gets
    // no 401s). Clients fetch a challenge once per nonce (300 s here), not once per 3 s.
    const pools = {}
    for (const c of scenario.contenders) {
      if (c === 'bare') continue
      pools[c] = []
      for (let i = 0; i <= REPS; i++) pools[c].push(await challenges(servers[c].port, scenario.challengePath, 2 * CONNECTIONS))
    }
    const take = (c) => c === 'bare' ? undefined : pools[c].shift()
    // warm-up, not counted
    for (const c of scenario.contenders) await load(servers[c], { ...scenario, auth: c !== 'bare' }, take(c))
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? scenario.contenders : [...scenario.contenders].reverse()
      for (const c of order) {
        const r = await load(servers[c], { ...scenario, auth: c !== 'bare' }, take(c))
        runs[c].push(r)
        log(`${scenario.name} ${c} rep ${rep + 1}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, ${r.cpuPerRequestUs.toFixed(0)} µs CPU/req${r.failed ? ` FAILED (${r.badPercent.toFixed(1)} % non-2xx)` : ''}`)
      }
    }
    results.http.push({ scenario: scenario.name, runs })
  }
  for (const s of Object.values(servers)) s.child.kill()
  rmSync(dir, { recursive: true, force: true })
}

// ---------------------------------------------------------------- other parts (own processes)
function runJson (args, env = {}) {
  const out = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 })
  if (out.status !== 0) throw new Error(`${args.join(' ')}: ${out.stderr}`)
  return out.stdout
}

if (PARTS.includes('digest')) {
  log('verifyDigest µs per call')
  results.digest = JSON.parse(runJson(['--expose-gc', 'bench/digest.mjs'], { BENCH_JSON: '1', ITERATIONS: '5000', ROUNDS: '21' }).trim().split('\n').pop())
}

if (PARTS.includes('deep')) {
  log('deep page at 1 M entities (MemoryStore)')
  results.deep = JSON.parse(runJson(['bench/parts.mjs', 'deep']).trim().split('\n').pop())
}

if (PARTS.includes('startup')) {
  log('startup: example server (embedded PGlite, and PostgreSQL when reachable) vs bare HTTPS Fastify')
  const dataDir = mkdtempSync(join(tmpdir(), 'pa-bench-start-'))
  const env = serverEnv(dataDir)
  await startup([SERVER_ENTRY], env) // first start: makes the certificate, the database
  const bareEnv = { TLS_CERT: join(dataDir, 'tls', 'cert.pem'), TLS_KEY: join(dataDir, 'tls', 'key.pem') }
  // The same server on a PostgreSQL server (DATABASE_URL), its tables in a schema of its own.
  const pgSchema = `pa_bench_start_${process.pid}`
  const pgEnv = { ...env, DATABASE_URL: BENCH_DATABASE_URL, DATABASE_SCHEMA: pgSchema }
  const withPg = await startup([SERVER_ENTRY], pgEnv).then(() => true, (err) => { log(`startup with PostgreSQL left out: ${err.message}`); return false })
  const runs = { suite: [], bare: [], ...(withPg ? { suitePg: [] } : {}) }
  const start = { suite: () => startup([SERVER_ENTRY], env, { idleMs: 1000 }), suitePg: () => startup([SERVER_ENTRY], pgEnv, { idleMs: 1000 }), bare: () => startup(['bench/parts.mjs', 'bare-https'], bareEnv, { idleMs: 1000 }) }
  for (let rep = 0; rep < 5; rep++) {
    const order = Object.keys(runs)
    if (rep % 2 === 1) order.reverse()
    for (const c of order) runs[c].push(await start[c]())
  }
  results.startup = runs
  if (withPg) await dropSchemas([pgSchema])
  rmSync(dataDir, { recursive: true, force: true })
}

if (PARTS.includes('store')) {
  log('store: PostgreSQL vs MemoryStore (bench/store.mjs)')
  const out = spawnSync(process.execPath, ['bench/store.mjs'], { cwd: root, env: { ...process.env, BENCH_PARTS: 'throughput', BENCH_SECONDS: '1' }, encoding: 'utf8' })
  results.store = (out.stdout + (out.status === 0 ? '' : `\n(bench/store.mjs exited with ${out.status}: ${out.stderr.slice(-300)})`)).trim()
}

// ---------------------------------------------------------------- report
const f0 = (x) => Number.isFinite(x) ? x.toFixed(0) : '–'
const f1 = (x) => Number.isFinite(x) ? x.toFixed(1) : '–'
const f2 = (x) => Number.isFinite(x) ? x.toFixed(2) : '–'
const TARGETS = { 'GET by id': { bare: 0.70, express: 3 }, 'list of 100': { bare: 0.60 }, 'POST create': { bare: 0.60 }, 'PATCH (JSON Patch)': { bare: 0.60 } }
const lines = []
const verdicts = []
const ok = (cond) => cond ? 'met' : '**missed**'
lines.push('# Benchmarks', '')
lines.push(`Written by \`npm run bench\` on ${new Date().toISOString()}: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${hasTaskset ? 'servers pinned to core 0 and the load generator to core 1 (taskset)' : 'no taskset: processes not pinned'}.`)
lines.push('**This machine is shared**: other engineers build and test on the same 2 cores during the run, so absolute figures move between runs; the ratios compare contenders measured in the same run, alternating, and CPU per request (server process user+system time / requests) is less sensitive to that load than req/s.', '')
if (results.http.length > 0) {
  lines.push(`## HTTP: the whole suite vs bare Fastify vs Express 5 + passport-http`, '')
  lines.push(`Plain HTTP, ${CONNECTIONS} connections, ${SECONDS} s per measurement, ${REPS} repetitions after a warm-up, order alternating. Every request carries a fresh Digest \`Authorization\` (MD5, one nonce per connection, nc rising); the suite verifies it (replay check, access list, role), Express verifies it with passport-http (no replay state), bare Fastify ignores it. Each Digest contender's challenges (401 answers, fresh nonces for every run) are all fetched before the scenario's warm-up, as a client fetches one per nonce lifetime, not one burst before every measurement. Medians (min–max).`, '')
  lines.push('| scenario | contender | req/s | p50 ms | p99 ms | server CPU µs/req | non-2xx | suite / this (req/s) | this CPU / suite CPU |')
  lines.push('|---|---|---|---|---|---|---|---|---|')
  for (const { scenario, runs } of results.http) {
    const suiteRps = med(runs.suite.map((r) => r.rps))
    const suiteCpu = med(runs.suite.map((r) => r.cpuPerRequestUs))
    for (const [c, rs] of Object.entries(runs)) {
      const rps = rs.map((r) => r.rps)
      const failed = rs.some((r) => r.failed)
      const name = { suite: 'whole suite', bare: 'bare Fastify (Map)', express: 'Express 5 + passport-http' }[c]
      const ratio = c === 'suite' ? '' : `${f2(suiteRps / med(rps))} (${f2(lo(runs.suite.map((r) => r.rps)) / hi(rps))}–${f2(hi(runs.suite.map((r) => r.rps)) / lo(rps))})`
      lines.push(`| ${scenario} | ${name} | ${failed ? '**FAILED** ' : ''}${f0(med(rps))} (${f0(lo(rps))}–${f0(hi(rps))}) | ${f1(med(rs.map((r) => r.p50)))} | ${f1(med(rs.map((r) => r.p99)))} | ${f0(med(rs.map((r) => r.cpuPerRequestUs)))} | ${f2(hi(rs.map((r) => r.badPercent)))} % | ${ratio} | ${c === 'suite' ? '' : f2(med(rs.map((r) => r.cpuPerRequestUs)) / suiteCpu)} |`)
      const target = TARGETS[scenario]?.[c]
      if (target !== undefined) {
        const value = suiteRps / med(rps)
        const anyFailed = failed || runs.suite.some((r) => r.failed)
        verdicts.push({ what: `${scenario}: suite / ${name} req/s`, value: f2(value), target: `≥ ${target}`, verdict: anyFailed ? '**FAILED run**' : ok(value >= target) })
      }
    }
  }
  lines.push('')
}
if (results.digest !== undefined) {
  lines.push('## verifyDigest, µs per call', '')
  lines.push('Sequential calls of the verifier (headers made beforehand), one nonce, nc rising; wall time and CPU time of this process per call, median of 21 rounds of 5000 calls, the variants alternating (min–max wall, min CPU). On a loaded machine wall exceeds CPU: the process waits for a core.', '')
  lines.push('| replay state | algorithm | wall µs | CPU µs | min–max wall | min CPU |', '|---|---|---|---|---|---|')
  for (const r of results.digest.rows) lines.push(`| ${r.label} | ${r.algorithm} | ${f2(r.median)} | ${f2(r.cpuMedian)} | ${f2(r.min)}–${f2(r.max)} | ${f2(r.cpuMin)} |`)
  lines.push('', results.digest.notes.join('  \n'), '')
  const withReplay = results.digest.rows.filter((r) => r.label === 'MemoryNonceCountStore')
  for (const r of withReplay.filter((r) => r.algorithm === 'SHA-256' || r.algorithm === 'MD5')) {
    verdicts.push({ what: `verifyDigest incl. replay check (${r.algorithm}), µs/call wall median (min; CPU median)`, value: `${f2(r.median)} (${f2(r.min)}; ${f2(r.cpuMedian)})`, target: '< 10', verdict: ok(r.median < 10) + (r.median >= 10 && r.cpuMedian < 10 ? ' (CPU time met)' : '') })
  }
}
if (results.deep !== undefined) {
  const d = results.deep
  lines.push('## Pagination at depth (MemoryStore)', '')
  lines.push(`${d.rows.toLocaleString('en')} entities in one collection (loaded in ${f1(d.loadSeconds)} s, process RSS ${f0(d.rssBytes / 2 ** 20)} MiB); page of 100, median of 5 × 31 calls alternating.`, '')
  lines.push('| page | ms |', '|---|---|', `| first | ${d.firstMs.toFixed(3)} |`, `| after row ${Math.floor(d.rows * 0.9).toLocaleString('en')} | ${d.deepMs.toFixed(3)} |`, `| ratio deep / first | ${f2(d.ratio)} |`, '')
  verdicts.push({ what: `deep page / first page at ${d.rows.toLocaleString('en')}`, value: f2(d.ratio), target: '≤ 1.2', verdict: ok(d.ratio <= 1.2) })
}
if (results.startup !== undefined) {
  const s = results.startup
  const sm = med(s.suite.map((r) => r.ms))
  const bm = med(s.bare.map((r) => r.ms))
  lines.push('## Startup and idle memory', '')
  lines.push(`From spawning \`node\` to the first 200 of \`GET /health\` over HTTPS (the certificate already made, the database already created and seeded), then RSS after 1 s idle; 5 starts each, alternating; each server may use every core (the bench's own pin to one core is not inherited). The example server: \`${SERVER_ENTRY}\`, the bundle \`npm start\` runs, with its default store (embedded PGlite, in a worker thread) and, when a PostgreSQL server answers at \`TEST_DATABASE_URL\` (default \`postgres://postgres@127.0.0.1:5432/test\`), with \`DATABASE_URL\` (tables in a schema of the run, dropped after); bare: a Fastify HTTPS app with one route.`, '')
  lines.push('| app | first /health ms | min–max | idle RSS MiB |', '|---|---|---|---|')
  const row = (name, rs) => `| ${name} | ${f0(med(rs.map((r) => r.ms)))} | ${f0(lo(rs.map((r) => r.ms)))}–${f0(hi(rs.map((r) => r.ms)))} | ${f0(med(rs.map((r) => r.rssBytes)) / 2 ** 20)} |`
  lines.push(row('example server (embedded PGlite)', s.suite))
  if (s.suitePg !== undefined) lines.push(row('example server (PostgreSQL, DATABASE_URL)', s.suitePg))
  lines.push(row('bare HTTPS Fastify', s.bare))
  lines.push(`| ratio, embedded PGlite / bare | ${f2(sm / bm)} | | ${f2(med(s.suite.map((r) => r.rssBytes)) / med(s.bare.map((r) => r.rssBytes)))} |`)
  const pm = s.suitePg !== undefined ? med(s.suitePg.map((r) => r.ms)) : undefined
  if (pm !== undefined) lines.push(`| ratio, PostgreSQL / bare | ${f2(pm / bm)} | | ${f2(med(s.suitePg.map((r) => r.rssBytes)) / med(s.bare.map((r) => r.rssBytes)))} |`)
  lines.push('')
  verdicts.push({ what: 'example server first /health / bare HTTPS app (embedded PGlite, the default)', value: f2(sm / bm), target: '< 2', verdict: ok(sm / bm < 2) })
  if (pm !== undefined) verdicts.push({ what: 'the same with DATABASE_URL (PostgreSQL on this machine)', value: f2(pm / bm), target: '< 2', verdict: ok(pm / bm < 2) })
}
if (results.store !== undefined) {
  lines.push('## Stores: PostgreSQL vs MemoryStore (bench/store.mjs)', '', '```', results.store, '```', '')
}
const verdictLines = ['## Targets (issue 12)', '', '| figure | this run | target | |', '|---|---|---|---|', ...verdicts.map((v) => `| ${v.what} | ${v.value} | ${v.target} | ${v.verdict} |`), '',
  'Where a target is missed, the CPU profiles that show where the time goes are in [benchmarks-profiles.md](benchmarks-profiles.md) (`node bench/profile.mjs get|list|post|patch|startup`, `node --cpu-prof`).', '']
const header = lines.splice(0, 4)
const markdown = [...header, ...verdictLines, '![req/s per scenario](benchmarks.svg)', '', ...lines].join('\n')

// ---------------------------------------------------------------- SVG chart: req/s per scenario and contender
function svg () {
  const groups = results.http.map(({ scenario, runs }) => ({ scenario, bars: Object.entries(runs).map(([c, rs]) => ({ c, v: med(rs.map((r) => r.rps)), lo: lo(rs.map((r) => r.rps)), hi: hi(rs.map((r) => r.rps)) })) }))
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.hi)))
  const colors = { suite: '#2b6cb0', bare: '#a0aec0', express: '#dd6b20' }
  const W = 760; const H = 340; const left = 60; const bottom = 290; const top = 30
  const gw = (W - left - 20) / Math.max(1, groups.length)
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<text x="${left}" y="18" font-size="14">req/s, median with min–max (npm run bench)</text>`]
  for (let i = 0; i <= 4; i++) {
    const y = bottom - (bottom - top) * i / 4
    out.push(`<line x1="${left}" x2="${W - 20}" y1="${y}" y2="${y}" stroke="#e2e8f0"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${f0(max * i / 4)}</text>`)
  }
  groups.forEach((g, gi) => {
    const bw = (gw - 20) / 3
    g.bars.forEach((b, bi) => {
      const x = left + gi * gw + 10 + bi * bw
      const h = (bottom - top) * b.v / max
      out.push(`<rect x="${x}" y="${bottom - h}" width="${bw - 4}" height="${h}" fill="${colors[b.c]}"/>`)
      const yl = bottom - (bottom - top) * b.lo / max; const yh = bottom - (bottom - top) * b.hi / max
      out.push(`<line x1="${x + (bw - 4) / 2}" x2="${x + (bw - 4) / 2}" y1="${yl}" y2="${yh}" stroke="#1a202c"/>`)
    })
    out.push(`<text x="${left + gi * gw + gw / 2}" y="${bottom + 16}" text-anchor="middle">${g.scenario}</text>`)
  })
  const legend = [['suite', 'whole suite'], ['bare', 'bare Fastify'], ['express', 'Express 5 + passport-http']]
  legend.forEach(([c, label], i) => out.push(`<rect x="${left + i * 200}" y="${bottom + 30}" width="12" height="12" fill="${colors[c]}"/><text x="${left + i * 200 + 18}" y="${bottom + 40}">${label}</text>`))
  out.push('</svg>')
  return out.join('\n') + '\n'
}

mkdirSync(join(root, 'docs'), { recursive: true })
writeFileSync(join(root, 'docs', 'benchmarks.md'), markdown + '\n')
if (results.http.length > 0) writeFileSync(join(root, 'docs', 'benchmarks.svg'), svg())
process.stdout.write(markdown + '\n')
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
