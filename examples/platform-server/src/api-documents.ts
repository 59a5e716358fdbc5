/**
 * The OpenAPI document of each API version of the example server, as committed under `api/`
 * (`npm run api:snapshot`) and compared by the compatibility guard (`test/api-compat.test.ts`,
 * `docs/compatibility.md`). Built in process from the same routes `npm start` serves, without
 * network, store data or a listening port, so two runs give the same bytes.
 */
import { openApiForPrefix, sortKeysDeep, type OpenApiDocument } from 'fastify-platform-api'
import { buildServer } from './server.js'

/** The API versions the server serves: a name (for the file `api/openapi-<name>.json`) and the prefix. */
export const API_VERSIONS = [
  { name: 'v1', prefix: '/api/v1' },
  { name: 'v2', prefix: '/api/v2' }
] as const

/** Where a version's snapshot is committed, relative to the repository root. */
export function snapshotFile (version: string): string {
  return `api/openapi-${version}.json`
}

/**
 * The document of every version, keys sorted (`sortKeysDeep`), by version name. The server is
 * built with its defaults (rate limits in process, no seed data) and closed again; the document
 * has no `servers` (the page's origin), no dates and no ports.
 */
export async function apiDocuments (): Promise<Record<string, OpenApiDocument>> {
  const { app } = await buildServer({ envelope: { httpsOnly: false }, seed: false })
  try {
    await app.ready()
    // @fastify/swagger's decorator (registered by platformApiDocs in buildServer).
    const document = (app as unknown as { swagger: () => OpenApiDocument }).swagger()
    return Object.fromEntries(API_VERSIONS.map(({ name, prefix }) => [name, sortKeysDeep(openApiForPrefix(document, prefix))]))
  } finally {
    await app.close()
  }
}

/** The bytes of a snapshot file: two-space JSON and a final newline. */
export function snapshotText (document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`
}
