// `node bench/ab.mjs <get|post|patch|list> <base checkout> [new checkout]`: CPU per request of
// two builds of the suite side by side in one process (paired A/B for a code change), each
// the example server as in `npm run bench` (bench/servers.mjs suite), requests through
// app.inject (no sockets: the HTTP cost both share is left out), each request with a fresh
// Digest Authorization (nc rising). Rounds alternate base/new; prints the median, first
// quartile and minimum of process CPU µs per request and how many rounds the new build won.
// Both checkouts must be built (`npm ci && npm run build`). Environment: N (requests per
// round, default 2000), R (rounds per build, default 8).
import { resolve } from 'node:path'
import { KEY, NONCE_SECRET } from './common.mjs'
import { digestAuthorization } from '@platform-api/auth'
const scenario = process.argv[2] ?? 'get'
if (process.argv[3] === undefined) throw new Error('usage: node bench/ab.mjs <get|post|patch|list> <base checkout> [new checkout]')
const dirs = { base: resolve(process.argv[3]), new: resolve(process.argv[4] ?? '.') }
async function build (dir) {
  const { buildServer } = await import(`${dir}/examples/platform-server/dist/server.js`)
  const { app, registry } = await buildServer({ envelope: { httpsOnly: false }, seed: false, rateLimit: { perAddressMax: 1_000_000_000, perKeyMax: 1_000_000_000 }, server: { maxRequestsPerSocket: 1_000_000_000 }, nonceSecret: NONCE_SECRET, adminKey: { publicKey: KEY.publicKey, privateKey: KEY.privateKey, accessList: [{ cidrBlock: '127.0.0.0/8' }] }, publicUrl: 'http://127.0.0.1' })
  const catalogs = registry.get('catalogs')
  const ids = []
  for (let i = 0; i < 100; i++) ids.push((await catalogs.create(catalogs.validateCreate({ name: `bench${i}`, type: 'hive', description: 'a catalog of the benchmark' }))).entity.id)
  await app.ready()
  const challenge = (await app.inject({ url: '/api/v1/catalogs' })).headers['www-authenticate']
  const ch = (Array.isArray(challenge) ? challenge[0] : challenge).split(/,\s*(?=Digest )/)[0]
  return { app, ids, ch, nc: 0, posted: 0 }
}
const c = { base: await build(dirs.base), new: await build(dirs.new) }
const method = { get: 'GET', post: 'POST', patch: 'PATCH', list: 'GET' }[scenario]
function req (s) {
  s.nc++
  const url = scenario === 'list' ? '/api/v1/catalogs?limit=100' : scenario === 'post' ? '/api/v1/catalogs' : `/api/v1/catalogs/${s.ids[s.nc % 100]}`
  const headers = { authorization: digestAuthorization({ challenge: s.ch, username: KEY.publicKey, password: KEY.privateKey, method, uri: url, nc: s.nc }), host: '127.0.0.1', 'x-forwarded-for': '127.0.0.1' }
  let payload
  if (scenario === 'post') { payload = JSON.stringify({ name: `prof${s.posted++}`, type: 'hive' }); headers['content-type'] = 'application/json' }
  if (scenario === 'patch') { payload = JSON.stringify([{ op: 'replace', path: '/description', value: `p${s.nc}` }]); headers['content-type'] = 'application/json-patch+json' }
  return { method, url, headers, payload, remoteAddress: '127.0.0.1' }
}
const N = Number(process.env.N ?? 2000)
async function round (s) {
  const reqs = []; for (let i = 0; i < N; i++) reqs.push(req(s))
  const t = process.cpuUsage()
  for (let i = 0; i < N; i += 16) {
    const rs = await Promise.all(reqs.slice(i, i + 16).map((r) => s.app.inject(r)))
    for (const r of rs) if (r.statusCode >= 300) throw new Error(`${r.statusCode} ${r.body}`)
  }
  const d = process.cpuUsage(t); return (d.user + d.system) / N
}
const res = { base: [], new: [] }
await round(c.base); await round(c.new)
for (let k = 0; k < Number(process.env.R ?? 8); k++) for (const n of k % 2 ? ['new', 'base'] : ['base', 'new']) res[n].push(await round(c[n]))
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1]
const min = (a) => Math.min(...a); const q1 = (a) => [...a].sort((x, y) => x - y)[a.length >> 2]; const wins = res.new.filter((v, i) => v < res.base[i]).length; console.log(scenario, 'median base/new', med(res.base).toFixed(1), med(res.new).toFixed(1), 'q1', q1(res.base).toFixed(1), q1(res.new).toFixed(1), 'min', min(res.base).toFixed(1), min(res.new).toFixed(1), 'rounds new<base', wins + '/' + res.base.length)
process.exit(0)
