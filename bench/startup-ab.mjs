// `node bench/startup-ab.mjs [runs] root ...`: ms from spawn to the first 200 of GET /health over
// HTTPS of `<root>/examples/platform-server/dist/platform-server.mjs` (what `npm start` runs; set
// ENTRY=dist/main.js for the tsc output) (issue 12), on a data directory made by
// a first start (one per root, not counted), for several roots (e.g. a copy of an older build and
// this tree), alternating so that a machine shared with other work slows each alike. At that
// first 200 it also reads, from /proc, the CPU time (user + system) of the process's main thread
// and of all its threads: those move less with the machine's load than the wall time does.
// Prints per root the medians (min, max) and the runs. Polls /health every 5 ms.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const args = process.argv.slice(2)
const runs = /^\d+$/.test(args[0] ?? '') ? Number(args.shift()) : 10
const roots = args.length > 0 ? args.map((r) => resolve(r)) : [resolve('.')]
const ENTRY = process.env.ENTRY ?? 'dist/platform-server.mjs'
const ENV = { LOG_LEVEL: 'warn', NONCE_SECRET: 'x'.repeat(40), CURSOR_SECRET: 'y'.repeat(40), ADMIN_PUBLIC_KEY: 'benchkey0001', ADMIN_PRIVATE_KEY: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b', HOST: '127.0.0.1' }

async function freePort () {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const port = s.address().port
  s.close()
  return port
}

/** CPU ms (user + system) of a /proc stat file. */
function cpuMs (path) {
  const s = readFileSync(path, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

async function start (root, dataDir) {
  const port = await freePort()
  const t0 = process.hrtime.bigint()
  const child = spawn(process.execPath, [join(root, 'examples/platform-server', ENTRY)], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...ENV, DATA_DIR: dataDir, PORT: String(port) } })
  const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: false })
  let result
  for (;;) {
    const ok = await new Promise((resolve) => {
      https.get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => { res.resume(); resolve(res.statusCode === 200) }).on('error', () => resolve(false))
    })
    if (ok) {
      result = { ms: Number(process.hrtime.bigint() - t0) / 1e6, mainCpuMs: cpuMs(`/proc/${child.pid}/task/${child.pid}/stat`), allCpuMs: cpuMs(`/proc/${child.pid}/stat`) }
      break
    }
    if (child.exitCode !== null) throw new Error(`${root}: the server exited with ${child.exitCode}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  child.kill('SIGTERM')
  await once(child, 'exit')
  return result
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const dirs = roots.map(() => mkdtempSync(join(tmpdir(), 'pa-startup-ab-')))
for (let i = 0; i < roots.length; i++) await start(roots[i], dirs[i])
const results = roots.map(() => [])
for (let r = 0; r < runs; r++) {
  const order = roots.map((_, i) => i)
  if (r % 2 === 1) order.reverse()
  for (const i of order) results[i].push(await start(roots[i], dirs[i]))
}
for (let i = 0; i < roots.length; i++) {
  const stat = (k) => { const v = results[i].map((x) => x[k]); return `${median(v).toFixed(0)} (${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)})` }
  console.log(`${roots[i]}: first /health ${stat('ms')} ms; main thread CPU ${stat('mainCpuMs')} ms; all threads ${stat('allCpuMs')} ms; runs ${results[i].map((x) => x.ms.toFixed(0)).join(' ')}`)
  rmSync(dirs[i], { recursive: true, force: true })
}
