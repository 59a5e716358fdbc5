#!/usr/bin/env node
// Startup of the example server: ms from spawning `node` to the first 200 of `GET /health` over
// HTTPS (polled every 5 ms), as `npm run bench` measures it (its startup part imports this).
//
// `node bench/startup.mjs [entry ...]` (after a build): starts each entry REPS times (default 7),
// the entries' order alternating, on one data directory made by a first start (certificate,
// PGlite database, seed), and prints median and min-max per entry, of the wall time and of the
// server's CPU time until then. Default entries: the bundle `npm start` runs and the tsc output
// it is built from, e.g.
//   node bench/startup.mjs examples/platform-server/dist/platform-server.mjs examples/platform-server/dist/main.js
// An entry may carry node flags: 'node bench/startup.mjs "--enable-source-maps x.mjs" x.mjs'.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import https from 'node:https'
import { KEY } from './common.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** What `npm start` runs (root package.json): the bundled example server. */
export const SERVER_ENTRY = 'examples/platform-server/dist/platform-server.mjs'
/** The tsc output the bundle is made from. */
export const SERVER_TSC_ENTRY = 'examples/platform-server/dist/main.js'

/** The example server's environment for a start on `dataDir` (embedded PGlite, warn logs, the bench key). */
export function serverEnv (dataDir) {
  return { DATA_DIR: dataDir, LOG_LEVEL: 'warn', NONCE_SECRET: 'x'.repeat(40), CURSOR_SECRET: 'y'.repeat(40), ADMIN_PUBLIC_KEY: KEY.publicKey, ADMIN_PRIVATE_KEY: KEY.privateKey }
}

/** User + system CPU time so far, in ms, of a process (all threads) or of one of its threads (/proc; 10 ms resolution). */
function cpuMsOf (pid, tid) {
  const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** `taskset` CPU list of every core (`0-N`), or undefined without taskset. */
const ALL_CORES = spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? `0-${cpus().length - 1}` : undefined

async function freePort () {
  const s = createServer()
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = s.address().port
  s.close()
  return port
}

/**
 * `node <args>` with `env` added, from spawn to the first 200 of GET /health over HTTPS
 * (polled every 5 ms); then, when `idleMs` > 0, the RSS after `idleMs` of idling; then SIGTERM.
 * @returns `{ ms, cpuMs, mainCpuMs, rssBytes, exitCode }`: `cpuMs` is the process's user + system
 *   CPU time (all threads) until that answer, less sensitive than `ms` to other load on the
 *   machine; `mainCpuMs` that of its main thread alone (the rest: V8's compiler and GC threads,
 *   the PGlite worker); `rssBytes` undefined without `idleMs`
 * @throws when the process exits before answering, or gives no /health within 60 s
 */
export async function startup (args, env, { idleMs = 0 } = {}) {
  const port = await freePort()
  const t0 = process.hrtime.bigint()
  // Every core of the machine for the server (both contenders alike): `npm run bench` pins
  // itself to one core for its HTTP scenarios, and a child would inherit that pin, which would
  // leave a server's worker threads (V8's compiler and GC threads, the PGlite worker) no core of
  // their own. taskset execs node, so the pid is node's.
  const [command, argv] = ALL_CORES !== undefined ? ['taskset', ['-c', ALL_CORES, process.execPath, ...args]] : [process.execPath, args]
  const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' } })
  const exited = once(child, 'exit')
  const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: false })
  let ms
  let cpuMs
  let mainCpuMs
  for (;;) {
    const ok = await new Promise((resolve) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => { res.resume(); resolve(res.statusCode === 200) })
      req.on('error', () => resolve(false))
    })
    if (ok) { ms = Number(process.hrtime.bigint() - t0) / 1e6; cpuMs = cpuMsOf(child.pid); mainCpuMs = cpuMsOf(child.pid, child.pid); break }
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
    if (Number(process.hrtime.bigint() - t0) > 60e9) { child.kill('SIGKILL'); throw new Error('no /health within 60 s') }
  }
  let rssBytes
  if (idleMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, idleMs))
    rssBytes = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024
  }
  child.kill('SIGTERM')
  const [exitCode] = await exited
  return { ms, cpuMs, mainCpuMs, rssBytes, exitCode }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entries = process.argv.length > 2 ? process.argv.slice(2) : [SERVER_ENTRY, SERVER_TSC_ENTRY]
  const reps = Number(process.env.REPS ?? 7)
  const dataDir = mkdtempSync(join(tmpdir(), 'pa-startup-'))
  const env = serverEnv(dataDir)
  const first = await startup(entries[0].split(' '), env) // makes the certificate, the database, the seed
  process.stderr.write(`first start (makes the data directory): ${first.ms.toFixed(0)} ms\n`)
  const runs = new Map(entries.map((e) => [e, []]))
  for (let rep = 0; rep < reps; rep++) {
    for (const entry of rep % 2 === 0 ? entries : [...entries].reverse()) {
      const r = await startup(entry.split(' '), env)
      if (r.exitCode !== 0) throw new Error(`${entry} exited with ${r.exitCode} after SIGTERM`)
      runs.get(entry).push(r)
    }
  }
  rmSync(dataDir, { recursive: true, force: true })
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2 }
  console.log(`first /health, ${reps} starts each, alternating:`)
  for (const [entry, rs] of runs) {
    const ms = rs.map((r) => r.ms)
    const cpu = rs.map((r) => r.cpuMs)
    const main = rs.map((r) => r.mainCpuMs)
    console.log(`${entry}: median ${median(ms).toFixed(0)} ms (min-max ${Math.min(...ms).toFixed(0)}-${Math.max(...ms).toFixed(0)}), CPU median ${median(cpu).toFixed(0)} ms (${Math.min(...cpu)}-${Math.max(...cpu)}), main thread ${median(main).toFixed(0)} ms (${Math.min(...main)}-${Math.max(...main)})  [${ms.map((m) => m.toFixed(0)).join(' ')}]`)
  }
}
