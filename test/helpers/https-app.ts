/**
 * The example server in process over real HTTPS (a fresh self-signed certificate), with a
 * counting front on its `request` listener: every request that reaches the server is recorded
 * (method, URL, the `Authorization` header, the answer's status and headers), and a test can make
 * the next answers 503 or 429 with `Retry-After`, as a load balancer would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { ResourceRegistry } from 'fastify-platform-api'
import { buildServer, type BuildServerOptions } from '../../examples/platform-server/src/server.js'
import { generateSelfSigned } from '../../examples/platform-server/src/tls.js'

export const OWNER = { publicKey: 'clientowner', privateKey: '0b6a1a9e-3f43-4c8e-9a52-6d1c2f7e8a90' }

export interface Seen {
  method: string
  url: string
  authorization: string | undefined
  status: number
  wwwAuthenticate: string | undefined
  authenticationInfo: string | undefined
  /** The answer's Retry-After, if any. */
  retryAfter: string | undefined
  /** When the request arrived (ms since the epoch). */
  at: number
}

export interface HttpsApp {
  app: FastifyInstance
  registry: ResourceRegistry
  origin: string
  ca: string
  /** Every request the server received, in order. */
  seen: Seen[]
  /** Answer the next `count` requests with `status` (503 or 429) and `Retry-After: retryAfter`. */
  failNext: (count: number, status: number, retryAfter: string) => void
}

let tls: { key: string, cert: string } | undefined

/** Build, listen on 127.0.0.1 (ephemeral port), close in teardown. */
export async function startHttpsApp (t: { teardown: (fn: () => unknown) => void }, options: Pick<BuildServerOptions, 'digest' | 'seed'> = {}): Promise<HttpsApp> {
  tls ??= await generateSelfSigned()
  const { app, registry } = await buildServer({ ...options, https: tls, adminKey: { ...OWNER, accessList: [{ cidrBlock: '127.0.0.1/32' }] } })
  await app.ready()
  const seen: Seen[] = []
  let failures: { count: number, status: number, retryAfter: string } = { count: 0, status: 503, retryAfter: '0' }
  const listeners = app.server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>
  app.server.removeAllListeners('request')
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, status: 0, wwwAuthenticate: undefined, authenticationInfo: undefined, retryAfter: undefined, at: Date.now() }
    seen.push(entry)
    // Fastify passes its headers to writeHead, where getHeader cannot see them: read them there.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      entry.status = status
      const headers = rest.find((r) => r !== null && typeof r === 'object') as Record<string, unknown> | undefined
      const pick = (name: string): string | undefined => {
        const value = headers?.[name] ?? res.getHeader(name)
        return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value)
      }
      entry.wwwAuthenticate = pick('www-authenticate')
      entry.authenticationInfo = pick('authentication-info')
      entry.retryAfter = pick('retry-after')
      return writeHead(status, ...rest)
    }) as ServerResponse['writeHead']
    if (failures.count > 0) {
      failures.count -= 1
      const body = JSON.stringify({ error: failures.status, reason: 'Service Unavailable', detail: 'try again later', errorCode: 'SERVICE_UNAVAILABLE', requestId: 'front' })
      res.writeHead(failures.status, { 'retry-after': failures.retryAfter, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    for (const listener of listeners) listener(req, res)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  return {
    app,
    registry,
    origin: `https://127.0.0.1:${address.port}`,
    ca: tls.cert,
    seen,
    failNext: (count, status, retryAfter) => { failures = { count, status, retryAfter } }
  }
}
