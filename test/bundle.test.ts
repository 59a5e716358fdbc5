/**
 * The bundled example server, `examples/platform-server/dist/platform-server.mjs`, which
 * `npm start` runs (issue 12, startup): over real HTTPS it answers what a user sees first, as
 * the tsc build does (the other end-to-end tests run `dist/main.js`). The documentation page and
 * its assets prove that bundled modules still find their files (@fastify/swagger-ui reads
 * node_modules/@fastify/swagger-ui/static), the seeded catalog that the seed data
 * (examples/platform-server/data) is read, the start itself that the external PGlite loads.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openApiForPrefix, sortKeysDeep, type OpenApiDocument } from 'fastify-platform-api'
import { BUNDLE, curl, startServer } from './helpers/server.js'

const OWNER = 'ownerkey'
const SECRET = '6fa459ea-ee8a-3ca4-894e-db77e160355e'
const run = promisify(execFile)
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
        // `servers` names where it is served (a port here), which the built document leaves out.
        const { servers: _, ...version } = sortKeysDeep(openApiForPrefix(served, prefix)) as OpenApiDocument & { servers?: unknown }
        t.same(version, built[name], `${name}: as api-documents.ts builds it from dist/server.js`)
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

  t.test('a stack trace of the bundled server names the TypeScript sources', async (t) => {
    // A probe prints the stack of the server's first write to stderr: here, main.ts reporting a
    // configuration error (NONCE_SECRET too short) before it exits with 1.
    const probe = `data:text/javascript,${encodeURIComponent("const w = process.stderr.write.bind(process.stderr); let once = false; process.stderr.write = (c, ...r) => { if (!once) { once = true; w(new Error('probe').stack + '\\n') } return w(c, ...r) }")}`
    // Without the NODE_OPTIONS tap gives every child process (they turn Node's source maps on).
    const result = await run('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', probe, BUNDLE], { env: { ...process.env, DATA_DIR: t.testdir({}), NONCE_SECRET: 'short' } }).then(() => undefined, (e: Error & { code?: number, stderr?: string }) => e)
    t.equal(result?.code, 1, 'exits with 1')
    const main = fileURLToPath(new URL('../examples/platform-server/src/main.ts', import.meta.url))
    t.match(result?.stderr, /NONCE_SECRET must be at least 32 bytes/)
    t.match(result?.stderr, `\n    at ${main}:`, 'the frame in src/main.ts')
    t.notMatch(result?.stderr, /platform-server\.mjs:\d+/, 'no line of the bundle')
  })
}
