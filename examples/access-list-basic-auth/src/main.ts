/** `node dist/main.js`: the example on http://127.0.0.1:3001 with user `alice` / `wonderland` allowed from loopback only. */
import { buildApp } from './app.js'

const app = await buildApp({
  alice: { password: 'wonderland', roles: ['ORG_MEMBER'], accessList: [{ cidrBlock: '127.0.0.0/8' }, { ipAddress: '::1' }] },
  bob: { password: 'builder', roles: ['ORG_MEMBER'], accessList: [{ cidrBlock: '192.0.2.0/24', comment: 'office' }] }
})
const port = Number(process.env.PORT ?? 3001)
await app.listen({ host: '127.0.0.1', port })
process.stdout.write(`access-list behind basic-auth on http://127.0.0.1:${port}: curl -u alice:wonderland localhost:${port}/whoami\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { void app.close().then(() => process.exit(0)) })
