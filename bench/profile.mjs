// `node bench/profile.mjs <scenario>`: the suite server under load for one scenario of
// `npm run bench`, run with `node --cpu-prof`; prints the server's CPU per request and the
// heaviest functions (self time) of the samples taken under load (not the start).
// `node bench/profile.mjs <scenario> bare`: the same load against bare Fastify (servers.mjs bare).
// Environment: TOP (functions listed, default 25), SECONDS (of load, default 5), PROFILE=0 (no
// --cpu-prof: only the CPU per request, without the profiler's own cost).
// Scenarios: get, list, post, patch; `startup`: the example server as `npm start` runs it (the
// bundle, PGlite) from spawn to its first /health, time grouped by what it is spent on;
// `startup tsc`: the same with the tsc output dist/main.js. Used for docs/benchmarks-profiles.md.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { digestAuthorization } from '@platform-api/auth'
import { KEY } from './common.mjs'
import { SERVER_ENTRY, SERVER_TSC_ENTRY, serverEnv } from './startup.mjs'

const scenario = process.argv[2] ?? 'list'
const dir = mkdtempSync(join(tmpdir(), 'pa-prof-'))

const sourceMaps = new Map()
/** A function's source file: through the bundle's source map for a function in the bundle. */
function sourceUrl ({ url, lineNumber, columnNumber }) {
  if (!url.startsWith('file:')) return url
  if (!sourceMaps.has(url)) {
    const mapFile = `${fileURLToPath(url)}.map`
    sourceMaps.set(url, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null)
  }
  const original = sourceMaps.get(url)?.findEntry(lineNumber, columnNumber)?.originalSource
  return original === undefined ? url : new URL(original, pathToFileURL(`${fileURLToPath(url)}.map`)).href
}

/** Self time grouped by what it is spent on (functions in the bundle by their source file). */
function categories (profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const cat = (frame) => {
    const { functionName: fn } = frame
    const url = sourceUrl(frame)
    if (url.includes('/ajv')) return 'Ajv (validator compilation)'
    if (url.includes('fast-json-stringify')) return 'fast-json-stringify (serializer compilation)'
    if (url.startsWith('wasm') || url.includes('pglite')) return 'PGlite (embedded PostgreSQL, WASM)'
    if (url.startsWith('node:internal/modules') || url.includes('cjs-module-lexer') || ['wrapSafe', 'openFileHandle', 'lstat', 'readFileUtf8', 'compileSourceTextModule'].includes(fn)) return 'module loading'
    if (fn === '(garbage collector)') return 'GC'
    if (fn === '(idle)' || fn === '(program)') return 'idle / program'
    if (/\/(fastify|find-my-way|avvio)\//.test(url)) return 'fastify (routes, hooks)'
    if (url.includes('/packages/') || url.includes('/examples/')) return 'suite packages, example server'
    return 'other'
  }
  const totals = new Map()
  let total = 0
  profile.samples.forEach((id, i) => { const d = profile.timeDeltas[i] ?? 0; total += d; const k = cat(byId.get(id).callFrame); totals.set(k, (totals.get(k) ?? 0) + d) })
  console.log(`${(total / 1000).toFixed(0)} ms sampled`)
  for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1])) console.log(`${(100 * v / total).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(5)} ms  ${k}`)
}

if (scenario === 'startup') {
  const https = await import('node:https')
  const dataDir = mkdtempSync(join(tmpdir(), 'pa-prof-data-'))
  const env = { ...process.env, ...serverEnv(dataDir), PORT: '18443', HOST: '127.0.0.1' }
  const health = async () => await new Promise((resolve) => https.get({ host: '127.0.0.1', port: 18443, path: '/health', rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode === 200) }).on('error', () => resolve(false)))
  for (const args of [[], ['--cpu-prof', `--cpu-prof-dir=${dir}`]]) { // the first start makes the certificate and the database
    const started = Date.now()
    const server = spawn(process.execPath, [...args, process.argv[3] === 'tsc' ? SERVER_TSC_ENTRY : SERVER_ENTRY], { env, stdio: 'ignore' })
    while (!await health()) await new Promise((resolve) => setTimeout(resolve, 10))
    if (args.length > 0) console.log(`first /health after ${Date.now() - started} ms`)
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
  }
  // One profile per thread (node --cpu-prof): the main thread's, then the PGlite worker's.
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => Number(a.split('.')[3] ?? 0) - Number(b.split('.')[3] ?? 0))
  for (const [i, file] of files.entries()) {
    console.log(`\n${i === 0 ? 'main thread' : `worker thread ${i}`} (${file})`)
    categories(JSON.parse(readFileSync(join(dir, file), 'utf8')))
  }
  process.exit(0)
}
const contender = process.argv[3] ?? 'suite'
const start = async (args, wanted) => {
  const profiled = wanted && process.env.PROFILE !== '0'
  const server = spawn(process.execPath, [...(profiled ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), 'bench/servers.mjs', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  return { server, ready: await new Promise((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(String(d))))) }
}
const suite = await start(['suite'], contender === 'suite')
const challenges = []
for (let i = 0; i < 16; i++) challenges.push((await fetch(`http://127.0.0.1:${suite.ready.port}/api/v1/catalogs`)).headers.get('www-authenticate').split(/,\s*(?=Digest )/)[0])
let child = suite.server
let ready = suite.ready
if (contender === 'bare') {
  // Bare Fastify serving the suite's bytes from a Map, as in `npm run bench` (it ignores the Authorization).
  const sign = (uri, nc) => digestAuthorization({ challenge: challenges[0], username: KEY.publicKey, password: KEY.privateKey, method: 'GET', uri, nc })
  const get = async (uri, nc) => await (await fetch(`http://127.0.0.1:${suite.ready.port}${uri}`, { headers: { authorization: sign(uri, nc) } })).text()
  const entities = {}
  for (const [i, id] of suite.ready.ids.entries()) entities[id] = await get(`/api/v1/catalogs/${id}`, i + 1)
  const fixture = join(dir, 'fixture.json')
  writeFileSync(fixture, JSON.stringify({ entities, list: await get('/api/v1/catalogs?limit=100', 101), template: entities[suite.ready.ids[0]] }))
  suite.server.kill()
  const bare = await start(['bare', fixture], true)
  child = bare.server
  ready = { ...bare.ready, ids: suite.ready.ids }
}
const base = `http://127.0.0.1:${ready.port}`
let connections = 0
let posted = 0
const entry = {
  method: { get: 'GET', list: 'GET', post: 'POST', patch: 'PATCH' }[scenario],
  setupRequest (req, c) {
    if (c.k === undefined) { c.k = connections++; c.nc = 0 }
    c.nc++
    const path = scenario === 'list' ? '/api/v1/catalogs?limit=100' : scenario === 'post' ? '/api/v1/catalogs' : `/api/v1/catalogs/${ready.ids[c.nc % 100]}`
    const body = scenario === 'post' ? JSON.stringify({ name: `prof${posted++}`, type: 'hive' }) : scenario === 'patch' ? JSON.stringify([{ op: 'replace', path: '/description', value: `p${c.nc}` }]) : undefined
    const headers = { ...req.headers, authorization: digestAuthorization({ challenge: challenges[c.k % 16], username: KEY.publicKey, password: KEY.privateKey, method: this.method, uri: path, nc: c.nc }) }
    if (body !== undefined) headers['content-type'] = scenario === 'patch' ? 'application/json-patch+json' : 'application/json'
    return { ...req, method: this.method, path, headers, body }
  }
}
/** User and system CPU of the server process so far, in microseconds (/proc; 10 ms resolution). */
const cpuTimes = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return { user: Number(f[11]) * 1e4, system: Number(f[12]) * 1e4 } }
// Only the samples taken under load count: the profile's timestamps are µs of the monotonic clock.
const loadStartUs = Number(process.hrtime.bigint() / 1000n)
const cpuBefore = cpuTimes()
const result = await autocannon({ url: base, connections: 16, duration: Number(process.env.SECONDS ?? 5), requests: new Array(20000).fill(entry), initialContext: {} })
const cpuAfter = cpuTimes()
const perRequest = (k) => (cpuAfter[k] - cpuBefore[k]) / result.requests.total
console.log(`${scenario} (${contender}): ${result.requests.total} requests, ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodeStats)}, server CPU ${(perRequest('user') + perRequest('system')).toFixed(0)} µs per request (user ${perRequest('user').toFixed(0)}, system ${perRequest('system').toFixed(0)})`)
child.kill('SIGINT')
await new Promise((resolve) => child.once('exit', resolve))
if (process.env.PROFILE === '0') process.exit(0)
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'))
const self = new Map()
let total = 0
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
let at = profile.startTime
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0
  at += delta
  if (at < loadStartUs) return
  total += delta
  const { functionName, url, lineNumber } = byId.get(id).callFrame
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '')}:${lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + delta)
})
console.log(`${(total / 1000).toFixed(0)} ms sampled under load`)
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))) console.log(`${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`)
console.log(`profile: ${join(dir, file)} (load from ${loadStartUs} µs)`)
