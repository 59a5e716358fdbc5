/**
 * The example server built in process for the hardening tests: authenticated `inject` with
 * HTTP Digest, and a snapshot of the whole store to prove that bad input changed nothing.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildServer, type BuildServerOptions } from '../../examples/platform-server/src/server.js'
import { digestInject } from '../../examples/platform-server/test/fixtures/digest.js'
import type { ResourceRegistry } from 'fastify-platform-api'

export const owner = { username: 'ownerkey1', password: '4f9c2a7e-1b3d-4c5e-8f6a-0b1c2d3e4f5a' }

export interface Built { app: FastifyInstance, registry: ResourceRegistry, as: (options: InjectOptions & { method: string, url: string }) => Promise<LightMyRequestResponse> }

/** Build the example server (seeded, plain HTTP for `inject`), closed at teardown. */
export async function build (t: { teardown: (fn: () => unknown) => void }, options: BuildServerOptions = {}): Promise<Built> {
  const { app, registry } = await buildServer({ envelope: { httpsOnly: false }, publicUrl: 'https://platform.example.com', adminKey: { publicKey: owner.username, privateKey: owner.password, accessList: [{ cidrBlock: '127.0.0.1/32' }] }, ...options })
  t.teardown(async () => { await app.close() })
  return { app, registry, as: async (o) => await digestInject(app, owner, o) }
}

/** Every entity of every collection, as JSON: equal before and after means the store is unchanged. */
export async function snapshot (registry: ResourceRegistry): Promise<string> {
  const out: Record<string, unknown[]> = {}
  for (const service of registry.all()) {
    const items: unknown[] = []
    let after: readonly (string | number)[] | undefined
    for (;;) {
      const page = await registry.store.list(service.collection, { limit: 500, ...(after !== undefined ? { after } : {}) })
      items.push(...page.items)
      const last = page.items.at(-1)
      if (!page.hasAfter || last === undefined) break
      after = [last.fullyQualifiedName]
    }
    out[service.collection] = items
  }
  return JSON.stringify(out)
}

/** Whether an answer is in the suite's error format with a request id. */
export function errorFormat (res: LightMyRequestResponse): string | undefined {
  const id = res.headers['x-request-id']
  if (typeof id !== 'string' || id === '') return 'no X-Request-Id'
  let body: Record<string, unknown>
  try { body = res.json() } catch { return `not JSON: ${res.body.slice(0, 100)}` }
  if (typeof body.errorCode !== 'string' || body.requestId !== id || body.error !== res.statusCode) return `not the error format: ${res.body.slice(0, 200)}`
  return undefined
}
