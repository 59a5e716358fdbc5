/**
 * The packages as a Fastify user installs them (issue 13): `npm pack` every package of the
 * suite, install the tarballs into a scratch app outside the workspace with the registry's
 * fastify, start the suite over HTTPS and answer an authenticated request with curl --digest.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES = ['envelope', 'auth', 'access-list', 'pagination', 'resources', 'fastify-platform-api']

const APP = `
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import fastifyPlatformApi, { computeAllHA1, defineResource, MemoryKeyStore, MemoryStore, ResourceRegistry } from 'fastify-platform-api'

const books = defineResource({ collection: 'books', permission: 'catalog', fields: Type.Object({ title: Type.String() }) })
const keyStore = new MemoryKeyStore([{ id: 'k1', publicKey: 'alice123', roles: ['ORG_MEMBER'], ha1: computeAllHA1('alice123', 'platform-api', 'her-private-key'), accessList: [{ cidrBlock: '127.0.0.0/8' }] }])
const app = Fastify({ https: { key: readFileSync('key.pem'), cert: readFileSync('cert.pem') }, routerOptions: { maxParamLength: 256 } })
await app.register(fastifyPlatformApi, {
  publicUrl: () => 'https://127.0.0.1:' + app.server.address().port,
  auth: { keyStore },
  versions: [{ prefix: '/api/v1', registry: new ResourceRegistry(new MemoryStore(), [books]) }]
})
await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write('listening ' + app.server.address().port + '\\n')
process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
`

t.test('npm pack, install into a scratch app outside the workspace, serve a Digest request over HTTPS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'platform-api-pack-'))
  const packs = join(dir, 'packs')
  const app = join(dir, 'app')
  await run('mkdir', ['-p', packs, app])
  await run('npm', ['pack', ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`]), '--pack-destination', packs], { cwd: ROOT })
  const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f))
  t.equal(tarballs.length, PACKAGES.length, 'one tarball per package')
  for (const tarball of tarballs) {
    const { stdout } = await run('tar', ['-tzf', tarball])
    const files = stdout.trim().split('\n')
    t.ok(files.every((f) => /^package\/(dist\/|README\.md$|LICENSE$|package\.json$)/.test(f)), `${tarball.split('/').at(-1) as string}: only dist, README, LICENSE and package.json`)
    t.notOk(files.some((f) => f.includes('/test/') || f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no tests or sources')
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }))
  writeFileSync(join(app, 'app.mjs'), APP)
  await run('npm', ['install', '--no-audit', '--no-fund', ...tarballs, 'fastify@^5.12.2', '@sinclair/typebox@^0.34'], { cwd: app, maxBuffer: 16 * 1024 * 1024 })
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1'], { cwd: app })
  const child = spawn(process.execPath, ['app.mjs'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill('SIGTERM') })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const port = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => { reject(new Error(`the scratch app did not start: ${out} ${err}`)) }, 30_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening (\d+)/.exec(out)
      if (m?.[1] !== undefined) { clearTimeout(timer); resolve(m[1]) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the scratch app exited with ${String(code)}: ${err}`)) })
  })
  const curl = async (args: string[]): Promise<{ status: number, body: string }> => {
    const { stdout } = await run('curl', ['-sk', '--noproxy', '*', '-w', '\n%{http_code}', ...args])
    const cut = stdout.lastIndexOf('\n')
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) }
  }
  const origin = `https://127.0.0.1:${port}`
  t.equal((await curl([`${origin}/api/v1/books`])).status, 401, 'unauthenticated: 401')
  const created = await curl(['--digest', '-u', 'alice123:her-private-key', '-H', 'content-type: application/json', '-d', '{"name":"dune","title":"Dune"}', `${origin}/api/v1/books`])
  t.equal(created.status, 201, created.body)
  t.match(JSON.parse(created.body), { name: 'dune', title: 'Dune', href: new RegExp(`^${origin}/api/v1/books/`) })
  const listed = await curl(['--digest', '-u', 'alice123:her-private-key', `${origin}/api/v1/books`])
  t.equal(listed.status, 200)
  t.equal(JSON.parse(listed.body).paging.total, 1)
})
