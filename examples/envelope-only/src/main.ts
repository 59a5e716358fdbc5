/** `node dist/main.js`: the envelope-only example on http://127.0.0.1:3000 (plain HTTP for a local try). */
import { buildApp } from './app.js'

const app = await buildApp(false)
const port = Number(process.env.PORT ?? 3000)
await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`envelope-only example on http://127.0.0.1:${port}\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { void app.close().then(() => process.exit(0)) })
