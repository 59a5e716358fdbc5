/** `node dist/main.js`: the example on http://127.0.0.1:3002 (plain HTTP for a local try). */
import { buildApp } from './app.js'

const port = Number(process.env.PORT ?? 3002)
const { app } = await buildApp(`http://127.0.0.1:${port}`)
await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`resources over a Map store on http://127.0.0.1:${port}/v1/authors\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { void app.close().then(() => process.exit(0)) })
