// `node bench/build-time.mjs [runs] [root ...]`: main-thread time of building the example server
// (issue 12, startup), without the database: in a fresh `node` per run, `buildServer()` of
// `<root>/examples/platform-server/dist/server.js` with its default MemoryStore (seeded), then
// `app.ready()`, then `listen()` over HTTPS; the import of server.js is timed apart.
// With several roots (e.g. a copy of an older build and this tree), runs alternate between them,
// so that a machine shared with other work slows each alike. Prints the medians per root, and the
// process's CPU time (user + system, all threads) over build + ready + listen.
// Environment: AJV_COUNT=1 also counts the Ajv instances made (every Ajv constructor calls
// `_addVocabularies` of ajv/dist/core.js once; each copy of ajv under the root is wrapped).
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

if (process.argv[2] === '--child') {
  const root = process.argv[3]
  const url = (path) => pathToFileURL(resolve(root, path)).href
  let ajvCount
  if (process.env.AJV_COUNT === '1') {
    const { createRequire } = await import('node:module')
    const { readdirSync } = await import('node:fs')
    ajvCount = 0
    const seen = new Set()
    const patch = (dir) => {
      const req = createRequire(resolve(dir, 'index.js'))
      let core
      try { core = req('ajv/dist/core.js') } catch { return }
      if (seen.has(core)) return
      seen.add(core)
      const addVocabularies = core.default.prototype._addVocabularies
      core.default.prototype._addVocabularies = function () {
        ajvCount++
        return addVocabularies.call(this)
      }
    }
    patch(root)
    for (const d of readdirSync(resolve(root, 'node_modules'), { withFileTypes: true })) {
      if (d.isDirectory()) patch(resolve(root, 'node_modules', d.name))
    }
  }
  const { generateSelfSigned } = await import(url('examples/platform-server/dist/tls.js'))
  const tls = await generateSelfSigned()
  let t = performance.now()
  const { buildServer } = await import(url('examples/platform-server/dist/server.js'))
  const importMs = performance.now() - t
  const cpu = process.cpuUsage()
  t = performance.now()
  const { app } = await buildServer({ https: tls, logger: false, nonceSecret: 'x'.repeat(40), cursorSecret: 'y'.repeat(40) })
  const buildMs = performance.now() - t
  t = performance.now()
  await app.ready()
  const readyMs = performance.now() - t
  t = performance.now()
  await app.listen({ host: '127.0.0.1', port: 0 })
  const listenMs = performance.now() - t
  const { user, system } = process.cpuUsage(cpu)
  await app.close()
  process.stdout.write(JSON.stringify({ importMs, buildMs, readyMs, listenMs, totalMs: buildMs + readyMs + listenMs, cpuMs: (user + system) / 1000, ajvCount }) + '\n')
  process.exit(0)
}

const runs = Number(process.argv[2] ?? 7)
const roots = process.argv.length > 3 ? process.argv.slice(3) : ['.']
const results = new Map(roots.map((r) => [r, []]))
const child = async (root) => await new Promise((resolve, reject) => {
  const p = spawn(process.execPath, [new URL(import.meta.url).pathname, '--child', root], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  p.stdout.on('data', (d) => { out += d })
  p.on('exit', (code) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`)))
})
for (let i = 0; i < runs; i++) {
  for (const root of (i % 2 === 0 ? roots : [...roots].reverse())) results.get(root).push(await child(root))
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
for (const [root, rs] of results) {
  const m = (k) => median(rs.map((r) => r[k])).toFixed(0)
  const total = rs.map((r) => r.totalMs.toFixed(0)).join(' ')
  console.log(`${root}: import ${m('importMs')} ms, buildServer ${m('buildMs')} ms, ready ${m('readyMs')} ms, listen ${m('listenMs')} ms, build+ready+listen ${m('totalMs')} ms (runs: ${total}), CPU ${m('cpuMs')} ms${rs[0].ajvCount !== undefined ? `, Ajv instances ${rs[0].ajvCount}` : ''}`)
}
