// Parts of `npm run bench` that run in their own process: `node bench/parts.mjs <part>`, printing
// one JSON line. Parts:
// - deep:   MemoryStore with BENCH_ROWS (default 1 000 000) entities in one collection; median ms of
//           the first page and of the page after row 900 000 (limit 100), and their ratio.
// - bare-https: a bare Fastify app over HTTPS with one /health route (the startup baseline);
//           reads TLS_CERT / TLS_KEY and PORT.
import { randomUUID } from 'node:crypto'

const part = process.argv[2]

async function median (fn, runs = 31) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

if (part === 'deep') {
  const { MemoryStore } = await import('fastify-platform-api')
  const rows = Number(process.env.BENCH_ROWS ?? 1_000_000)
  const store = new MemoryStore()
  const now = new Date().toISOString()
  const loadStarted = Date.now()
  const name = (i) => `row${String(i).padStart(7, '0')}`
  for (let i = 1; i <= rows; i++) {
    await store.create('rows', { id: randomUUID(), name: name(i), fullyQualifiedName: name(i), parentId: null, version: 1, createdAt: now, updatedAt: now })
  }
  const loadSeconds = (Date.now() - loadStarted) / 1000
  const cursorRow = Math.floor(rows * 0.9)
  const expectFirst = name(cursorRow + 1)
  for (let i = 0; i < 200; i++) await store.list('rows', { limit: 100 }) // warm up
  let first = 0
  let deep = 0
  // alternate first and deep pages, several rounds
  const firsts = []
  const deeps = []
  for (let r = 0; r < 5; r++) {
    firsts.push(await median(async () => { const p = await store.list('rows', { limit: 100 }); if (p.items.length !== 100) throw new Error('first page') }))
    deeps.push(await median(async () => { const p = await store.list('rows', { limit: 100, after: [name(cursorRow)] }); if (p.items[0].name !== expectFirst) throw new Error('wrong deep page') }))
  }
  firsts.sort((a, b) => a - b); deeps.sort((a, b) => a - b)
  first = firsts[2]; deep = deeps[2]
  const rssBytes = process.memoryUsage().rss
  process.stdout.write(JSON.stringify({ rows, loadSeconds, firstMs: first, deepMs: deep, ratio: deep / first, rssBytes }) + '\n')
} else if (part === 'bare-https') {
  const { readFileSync } = await import('node:fs')
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ https: { key: readFileSync(process.env.TLS_KEY), cert: readFileSync(process.env.TLS_CERT) } })
  app.get('/health', async () => ({ status: 'ok' }))
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
} else {
  throw new Error(`unknown part ${part}`)
}
