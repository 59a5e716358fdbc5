// `node bench/pglite-worker.mjs [rounds]`: what a statement costs with the embedded database in a
// worker thread (store-postgres option `pgliteWorker`) against PGlite in process. Per round and
// mode: a copy of one initialised directory, 100 catalogs, 500 warm-up reads, then 2000
// `store.get()` by id one after the other, and 2000 with 16 in flight. Prints the medians over
// the rounds (modes alternate) of the wall time per get and of the main thread's CPU time per get
// (user + system, from /proc/self/task/<pid>/stat: what the event loop can no longer spend on
// requests; unlike the wall time it hardly moves with other work on the machine). Linux only.
import { randomUUID } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { openPostgresStore } from '@platform-api/store-postgres'

const ROUNDS = Number(process.argv[2] ?? 5)
const N = 2000
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const template = mkdtempSync(join(tmpdir(), 'pa-bench-worker-'))
await (await PGlite.create(template)).close()

/** CPU ms (user + system) of this process's main thread. */
function mainThreadCpuMs () {
  const s = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

/** µs of wall time and of main-thread CPU time per call of `run` (which makes N calls). */
async function measure (run) {
  const cpu = mainThreadCpuMs()
  const t0 = performance.now()
  await run()
  return { wallUs: (performance.now() - t0) * 1000 / N, mainUs: (mainThreadCpuMs() - cpu) * 1000 / N }
}

const modes = { 'in process': false, 'in a worker': true }
const results = Object.fromEntries(Object.keys(modes).map((m) => [m, { sequential: [], concurrent: [] }]))
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(modes)
  if (round % 2 === 1) names.reverse()
  for (const mode of names) {
    const dir = mkdtempSync(join(tmpdir(), 'pa-bench-worker-'))
    cpSync(template, dir, { recursive: true })
    const store = await openPostgresStore({ dataDir: dir, pgliteWorker: modes[mode] })
    const ids = []
    for (let i = 0; i < 100; i++) {
      const e = { id: randomUUID(), name: `c${i}`, fullyQualifiedName: `c${i}`, parentId: null, version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', description: 'x'.repeat(200) }
      await store.create('catalogs', e)
      ids.push(e.id)
    }
    for (let i = 0; i < 500; i++) await store.get('catalogs', ids[i % 100])
    results[mode].sequential.push(await measure(async () => {
      for (let i = 0; i < N; i++) if (await store.get('catalogs', ids[i % 100]) === undefined) throw new Error('missing')
    }))
    results[mode].concurrent.push(await measure(async () => {
      let next = 0
      await Promise.all(Array.from({ length: 16 }, async () => { while (next < N) await store.get('catalogs', ids[next++ % 100]) }))
    }))
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
rmSync(template, { recursive: true, force: true })
for (const [mode, r] of Object.entries(results)) {
  const f = (runs) => `${median(runs.map((x) => x.wallUs)).toFixed(0)} µs per get, main thread CPU ${median(runs.map((x) => x.mainUs)).toFixed(0)} µs`
  console.log(`${mode}: one at a time ${f(r.sequential)}; 16 in flight ${f(r.concurrent)}`)
}
