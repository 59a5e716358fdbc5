// Probe (not part of npm test): which algorithm each real Digest client answers, and whether GET,
// POST and PATCH pass, for several offers. `npm run probe:digest-offers` (OFFERS="MD5,SHA-256|SHA-256"
// to choose; writes a TSV to PROBE_OUT, default /tmp/probe.txt). The figures behind the default offer.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import Fastify from 'fastify'
import platformAuth, { computeAllHA1, MemoryKeyStore, methodOverride, type DigestAlgorithm } from '../packages/auth/src/index.js'
import { DIGEST_CLIENTS } from './helpers/digest-clients.js'

const dir = tmpdir()
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'probe-key.pem'), '-out', join(dir, 'probe-cert.pem'), '-days', '1'], { stdio: 'ignore' })
const https = { key: readFileSync(join(dir, 'probe-key.pem')), cert: readFileSync(join(dir, 'probe-cert.pem')) }
const OFFERS: DigestAlgorithm[][] = (process.env.OFFERS ?? 'MD5|SHA-256|SHA-512-256|MD5-sess|SHA-256-sess|SHA-512-256-sess|MD5,SHA-256|SHA-256,MD5')
  .split('|').map((o) => o.split(',') as DigestAlgorithm[])

t.test('probe', async (t) => {
  const lines: string[] = []
  for (const algorithms of OFFERS) {
    const used: string[] = []
    const app = Fastify({ https, rewriteUrl: methodOverride() })
    await app.register(platformAuth, { keyStore: new MemoryKeyStore([{ id: 'k', publicKey: 'probekey1', roles: ['ORG_OWNER'], ha1: computeAllHA1('probekey1', 'platform-api', 'pw-1') }]), algorithms })
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 200) used.push(/algorithm="?([A-Za-z0-9-]+)/.exec(request.headers.authorization ?? '')?.[1] ?? '?')
    })
    for (const m of ['GET', 'POST', 'PATCH'] as const) app.route({ method: m, url: '/x', handler: async () => ({ ok: true }) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as { port: number }).port
    const url = `https://127.0.0.1:${port}/x`
    for (const client of DIGEST_CLIENTS) {
      const missing = await client.missing()
      if (missing !== undefined) { lines.push(`${algorithms.join(',')}\t${client.name}\tMISSING ${missing}`); continue }
      used.length = 0
      let statuses: string
      const started = Date.now()
      try {
        const res = await client.run([{ method: 'GET', url }, { method: 'POST', url, body: '{"a":1}' }, { method: 'PATCH', url, body: '{"a":2}' }], 'probekey1', 'pw-1')
        statuses = res.map((r) => r.status).join('/')
      } catch (e) { statuses = 'ERR ' + String((e as Error).message).slice(0, 200).replace(/\n/g, ' ') }
      lines.push(`${algorithms.join(',')}\t${client.name}\t${statuses}\t${[...new Set(used)].join(',')}\t${Date.now() - started} ms`)
    }
    await app.close()
  }
  (await import('node:fs')).writeFileSync(process.env.PROBE_OUT ?? '/tmp/probe.txt', lines.join('\n') + '\n')
  t.pass('probed')
})
