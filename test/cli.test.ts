/**
 * The `platform-api` CLI of @platform-api/client, run as a process against the example server
 * over HTTPS: credentials from the environment, `--output json|table`, the exit codes that tell
 * authentication (3), not found (4), validation (5) and conflict (6) apart, and `import` of the
 * TPC-H DDL with a progress bar.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient, type ApiError } from '@platform-api/client'
import { OWNER, startHttpsApp, type HttpsApp } from './helpers/https-app.js'

const CLI = fileURLToPath(new URL('../packages/client/dist/cli.js', import.meta.url))
const TPCH_DIR = fileURLToPath(new URL('./fixtures/tpch/', import.meta.url))

interface Run { code: number, stdout: string, stderr: string }

async function cli (args: string[], env: Record<string, string>): Promise<Run> {
  return await new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

function envOf (server: HttpsApp, dir: string, key = OWNER): Record<string, string> {
  const ca = join(dir, 'ca.pem')
  writeFileSync(ca, server.ca)
  return { PLATFORM_API_URL: server.origin, PLATFORM_API_PUBLIC_KEY: key.publicKey, PLATFORM_API_PRIVATE_KEY: key.privateKey, PLATFORM_API_CA: ca }
}

t.test('platform-api CLI over HTTPS', async (t) => {
  const server = await startHttpsApp(t)
  const dir = t.testdir({})
  const env = envOf(server, dir)

  await t.test('keys create | list | delete', async (t) => {
    const created = await cli(['keys', 'create', '--description', 'cli key', '--role', 'ORG_MEMBER', '--ip', '127.0.0.1'], env)
    t.equal(created.code, 0, created.stderr)
    const key = JSON.parse(created.stdout)
    t.match(key, { description: 'cli key', roles: ['ORG_MEMBER'], privateKey: String, publicKey: String })
    const listed = await cli(['keys', 'list', '--output', 'table'], env)
    t.equal(listed.code, 0)
    t.match(listed.stdout, /^ID\s+NAME/)
    t.match(listed.stdout, key.publicKey)
    // The new key works from the CLI too (credentials from flags override the environment).
    const asMember = await cli(['--public-key', key.publicKey, '--private-key', key.privateKey, 'get', 'catalogs', '--name', 'default'], env)
    t.equal(asMember.code, 0, asMember.stderr)
    const refused = await cli(['--public-key', key.publicKey, '--private-key', key.privateKey, 'keys', 'list'], env)
    t.equal(refused.code, 3, 'ORG_MEMBER may not list keys: 403 exits 3')
    t.match(refused.stderr, /INSUFFICIENT_ROLE/)
    const deleted = await cli(['keys', 'delete', key.id], env)
    t.equal(deleted.code, 0, deleted.stderr)
    t.equal(JSON.parse(deleted.stdout).id, key.id)
  })

  await t.test('list (every page, --limit, --filter), get, create, patch, delete; --output table', async (t) => {
    const listed = await cli(['list', 'integrations', '--limit', '3', '--output', 'table'], env)
    t.equal(listed.code, 0, listed.stderr)
    t.equal(listed.stdout.trim().split('\n').length, 4, 'a header and 3 rows')
    const tables = await cli(['list', '/api/v2/catalogs/default/databases/tpch/tables'], env)
    t.equal(JSON.parse(tables.stdout).length, 8, 'page mode, every page')
    const lineitem = await cli(['get', 'tables', '--name', 'default.tpch.lineitem', '--output', 'table'], env)
    t.match(lineitem.stdout, /^fullyQualifiedName\s+default\.tpch\.lineitem$/m)
    const created = await cli(['create', 'databases', '--data', '{"name":"fromcli","catalog":"default"}'], env)
    t.equal(created.code, 0, created.stderr)
    const id = JSON.parse(created.stdout).id as string
    const patched = await cli(['patch', 'databases', id, '--data', '{"description":"merge patch"}', '--if-match', '"1"'], env)
    t.equal(JSON.parse(patched.stdout).description, 'merge patch')
    const jsonPatched = await cli(['patch', 'databases', id, '--data', '[{"op":"replace","path":"/description","value":"json patch"}]'], env)
    t.equal(JSON.parse(jsonPatched.stdout).description, 'json patch')
    t.equal((await cli(['delete', 'databases', id], env)).code, 0)
  })

  await t.test('exit codes: 4 not found, 5 validation, 6 conflict, 2 usage, 3 wrong key with the error\'s detail', async (t) => {
    const missing = await cli(['get', 'tables', '00000000-0000-4000-8000-000000000000'], env)
    t.equal(missing.code, 4)
    t.match(missing.stderr, /error: .*00000000-0000-4000-8000-000000000000.*HTTP 404, ENTITY_NOT_FOUND/)
    const invalid = await cli(['create', 'databases', '--data', '{"name":"x","catalog":"default","descripton":"typo"}'], env)
    t.equal(invalid.code, 5)
    t.match(invalid.stderr, /descripton.*INVALID_ATTRIBUTE/)
    const duplicate = await cli(['create', 'databases', '--data', '{"name":"tpch","catalog":"default"}'], env)
    t.equal(duplicate.code, 6)
    t.match(duplicate.stderr, /DUPLICATE_NAME/)
    t.equal((await cli(['frobnicate'], env)).code, 2)
    t.equal((await cli(['list', 'tables'], { PATH: process.env.PATH ?? '' })).code, 2, 'no credentials: usage')

    const wrongKey = { publicKey: OWNER.publicKey, privateKey: '11111111-2222-4333-8444-555555555555' }
    const wrong = await cli(['list', 'tables'], envOf(server, dir, wrongKey))
    t.equal(wrong.code, 3)
    const client = createClient({ baseUrl: server.origin, ...wrongKey, ca: server.ca, retries: 0 })
    t.teardown(client.close)
    const error = await client.request('GET', '/api/v1/tables').then(() => { throw new Error('expected a 401') }, (e: unknown) => e as ApiError)
    t.ok(error.detail.length > 0)
    t.ok(wrong.stderr.includes(`error: ${error.detail}`), `stderr names the detail: ${wrong.stderr.trim()}`)
    t.notOk(wrong.stderr.includes(wrongKey.privateKey), 'the private key is not printed')
  })

  const hasTasks = server.app.hasRoute({ method: 'POST', url: '/api/v1/databases/:id/import' })
  await t.test('import FILE.sql: the TPC-H DDL, with a progress bar, exits 0', { skip: hasTasks ? false : 'tasks API not on main yet (issue 9): POST /api/v1/databases/{id}/import is missing' }, async (t) => {
    const sql = readdirSync(TPCH_DIR).filter((f) => f.endsWith('.sql')).sort().map((f) => readFileSync(join(TPCH_DIR, f), 'utf8')).join('\n')
    const file = join(dir, 'tpch.sql')
    writeFileSync(file, sql)
    t.equal((await cli(['create', 'databases', '--data', '{"name":"imported","catalog":"default"}'], env)).code, 0)
    const run = await cli(['import', file, '--database', 'default.imported'], env)
    t.equal(run.code, 0, run.stderr)
    t.match(run.stderr, /task \w+ \[[^\]]*\] \d+%/, 'a progress bar on stderr')
    t.match(run.stderr, /100%/)
    t.match(JSON.parse(run.stdout), { status: 'succeeded' })
    const tables = JSON.parse((await cli(['list', '/api/v2/catalogs/default/databases/imported/tables'], env)).stdout) as Array<{ name: string }>
    t.same(tables.map((x) => x.name).sort(), ['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier'])
  })
})
