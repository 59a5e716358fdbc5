/**
 * The bundled example server, `examples/platform-server/dist/platform-server.mjs`, which
 * `npm start` runs (issue 12, startup): over real HTTPS it answers what a user sees first, as
 * the tsc build does (the other end-to-end tests run `dist/main.js`). The documentation page and
 * its assets prove that bundled modules still find their files (@fastify/swagger-ui reads
 * node_modules/@fastify/swagger-ui/static), the seeded catalog that the seed data
 * (examples/platform-server/data) is read, a start that PGlite (external) works.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire, SourceMap } from 'node:module'
import { pathToFileURL } from 'node:url'
import { openApiForPrefix, sortKeysDeep, type OpenApiDocument } from 'fastify-platform-api'
import { BUNDLE, curl, startServer } from './helpers/server.js'

const OWNER = 'ownerkey'
const SECRET = '6fa459ea-ee8a-3ca4-894e-db77e160355e'
const API_DOCUMENTS = new URL('../examples/platform-server/dist/api-documents.js', import.meta.url).href

if (!existsSync(BUNDLE)) {
  t.fail(`build first (npm run build): ${BUNDLE} is missing`)
} else {
  t.test('the bundled server (npm start) over HTTPS', async (t) => {
    const server = await startServer({ DATA_DIR: t.testdir({}), ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET }, 60_000, BUNDLE)
    const { origin } = server
    let stopped = false
    t.teardown(async () => { if (!stopped) await server.stop() })

    await t.test('GET /health 200 without authentication', async (t) => {
      const health = await curl([`${origin}/health`])
      t.equal(health.status, 200)
      t.same(JSON.parse(health.body), { status: 'ok' })
    })

    await t.test('curl --digest GET /api/v1/catalogs: 200 with the seeded catalog default', async (t) => {
      const res = await curl(['--digest', '-u', `${OWNER}:${SECRET}`, `${origin}/api/v1/catalogs`])
      t.equal(res.status, 200)
      const body = JSON.parse(res.body)
      t.ok(body.data.some((c: { name: string }) => c.name === 'default'), 'catalog default (from data/catalog.json)')
      const wrong = await curl(['--digest', '-u', `${OWNER}:00000000-0000-4000-8000-000000000000`, `${origin}/api/v1/catalogs`])
      t.equal(wrong.status, 401)
      t.equal(JSON.parse(wrong.body).errorCode, 'UNAUTHORIZED')
    })

    await t.test('/documentation/json: the same OpenAPI document per version as the tsc build', async (t) => {
      const res = await curl([`${origin}/documentation/json`])
      t.equal(res.status, 200)
      const served = JSON.parse(res.body) as OpenApiDocument
      t.equal(served.openapi, '3.1.0')
      const { API_VERSIONS, apiDocuments } = await import(API_DOCUMENTS) as { API_VERSIONS: ReadonlyArray<{ name: string, prefix: string }>, apiDocuments: () => Promise<Record<string, OpenApiDocument>> }
      const built = await apiDocuments()
      for (const { name, prefix } of API_VERSIONS) {
        const { servers, ...version } = sortKeysDeep(openApiForPrefix(served, prefix)) as OpenApiDocument & { servers?: unknown }
        t.same(version, built[name], `${name}: as api-documents.ts builds it from dist/server.js`)
        t.ok(servers === undefined || Array.isArray(servers))
      }
    })

    await t.test('the documentation page and a Swagger UI asset, read from node_modules/@fastify/swagger-ui/static', async (t) => {
      const page = await curl(['-H', 'Accept: text/html,application/xhtml+xml,*/*;q=0.8', `${origin}/documentation/`])
      t.equal(page.status, 200)
      t.match(page.body, /<div id="swagger-ui">/)
      t.match(page.body, /static\/swagger-ui\.css/)
      const css = await curl([`${origin}/documentation/static/swagger-ui.css`])
      t.equal(css.status, 200)
      const onDisk = readFileSync(createRequire(import.meta.url).resolve('@fastify/swagger-ui/static/swagger-ui.css'), 'utf8')
      t.ok(onDisk.length > 1000)
      t.equal(css.body, onDisk, 'the file as installed')
    })

    await t.test('SIGTERM: exits 0', async (t) => {
      stopped = true
      t.equal(await server.stop(), 0)
    })
  })

  t.test('the source map names the TypeScript sources', async (t) => {
    const bundle = readFileSync(BUNDLE, 'utf8')
    t.match(bundle, /\/\/# sourceMappingURL=platform-server\.mjs\.map\s*$/)
    const map = new SourceMap(JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8')))
    // Where buildServer is declared in the bundle.
    const at = bundle.indexOf('async function buildServer(')
    t.ok(at > 0, 'buildServer is in the bundle')
    const before = bundle.slice(0, at)
    const line = before.split('\n').length - 1
    const column = at - before.lastIndexOf('\n') - 1
    const entry = map.findEntry(line, column) as { originalSource?: string, originalLine?: number }
    // Sources are named relative to the map, as `node --enable-source-maps` resolves them.
    const server = new URL('../examples/platform-server/src/server.ts', import.meta.url)
    t.equal(new URL(entry.originalSource ?? '', pathToFileURL(`${BUNDLE}.map`)).href, server.href)
    const source = readFileSync(server, 'utf8').split('\n')
    t.match(source[entry.originalLine ?? -1], /function buildServer/, 'the line that declares it')
  })
}
