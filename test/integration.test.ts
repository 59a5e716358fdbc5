/**
 * The example server end to end over real HTTPS, with the clients the contract names:
 * curl --digest and Python requests' HTTPDigestAuth (API-CONTRACT.md; issue: walking skeleton).
 */
import t from 'tap'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { curl, MAIN, python, startServer } from './helpers/server.js'

const OWNER = 'ownerkey'
const SECRET = '6fa459ea-ee8a-3ca4-894e-db77e160355e'
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('the example server over HTTPS with real Digest clients', async (t) => {
    const dataDir = t.testdir({})
    const server = await startServer({ DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET })
    const { origin } = server
    const auth = ['--digest', '-u', `${OWNER}:${SECRET}`]

    await t.test('listens with TLS only; /health without authentication', async (t) => {
      t.match(server.stdout(), /Server listening at https:\/\/127\.0\.0\.1:\d+/)
      const health = await curl([`${origin}/health`])
      t.equal(health.status, 200)
      t.same(JSON.parse(health.body), { status: 'ok' })
      const plain = await curl([origin.replace('https:', 'http:') + '/health']).catch((e: Error) => e)
      t.ok(plain instanceof Error || plain.status !== 200, 'plain HTTP gets no answer')
      t.ok(statSync(join(dataDir, 'tls', 'cert.pem')).isFile(), 'self-signed certificate made into DATA_DIR')
    })

    await t.test('curl --digest: limit=3 pages with after visit all 13 tables once', async (t) => {
      const names: string[] = []
      let url = `${origin}/api/v1/tables?limit=3`
      let first = true
      for (let guard = 0; guard < 10; guard++) {
        const res = await curl([...auth, url])
        t.equal(res.status, 200)
        const body = JSON.parse(res.body)
        if (first) {
          t.equal(body.data.length, 3)
          t.type(body.paging.after, 'string', 'an after cursor')
          t.equal(body.paging.total, 13)
          first = false
        }
        names.push(...body.data.map((d: { fullyQualifiedName: string }) => d.fullyQualifiedName))
        if (body.paging.after === null) break
        url = `${origin}/api/v1/tables?limit=3&after=${encodeURIComponent(body.paging.after)}`
      }
      t.equal(names.length, 13)
      t.equal(new Set(names).size, 13, 'no table twice')
      t.ok(names.includes('default.tpch.lineitem'))
      t.ok(names.includes('default.ssb.lineorder'))
    })

    await t.test('curl --digest: lineitem by fullyQualifiedName with href, database reference and UTC dates', async (t) => {
      const res = await curl([...auth, `${origin}/api/v1/tables/name/default.tpch.lineitem`])
      t.equal(res.status, 200)
      const table = JSON.parse(res.body)
      t.equal(table.href, `${origin}/api/v1/tables/${table.id}`)
      t.equal(table.database.fullyQualifiedName, 'default.tpch')
      t.equal(table.database.href, `${origin}/api/v1/databases/${table.database.id}`)
      t.match(table.createdAt, ISO_UTC)
      t.match(table.updatedAt, ISO_UTC)
      const cols = JSON.parse((await curl([...auth, `${origin}/api/v1/tables/${table.id}?fields=columns`])).body).columns
      t.equal(cols.length, 16)
      t.equal(cols[5].name, 'l_extendedprice')
      t.equal(cols[5].dataType, 'DECIMAL(15,2)')
    })

    await t.test('curl --digest: unknown field 400 naming it; wrong key 401; 415 without JSON', async (t) => {
      const bad = await curl([...auth, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"name":"hive","typo":"x"}', `${origin}/api/v1/catalogs`])
      t.equal(bad.status, 400)
      t.equal(JSON.parse(bad.body).errorCode, 'INVALID_ATTRIBUTE')
      t.match(JSON.parse(bad.body).detail, '/typo')
      const wrong = await curl(['--digest', '-u', `${OWNER}:00000000-0000-4000-8000-000000000000`, `${origin}/api/v1/tables`])
      t.equal(wrong.status, 401)
      t.equal(JSON.parse(wrong.body).errorCode, 'UNAUTHORIZED')
      const form = await curl([...auth, '-X', 'POST', '-d', 'name=x', `${origin}/api/v1/catalogs`])
      t.equal(form.status, 415)
    })

    await t.test('a key whose access list excludes 127.0.0.1 gets 403 naming the address', async (t) => {
      const created = await curl([...auth, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ roles: ['ORG_OWNER'], accessList: [{ cidrBlock: '192.0.2.0/24', comment: 'TEST-NET-1' }] }), `${origin}/api/v1/apiKeys`])
      t.equal(created.status, 201)
      const key = JSON.parse(created.body)
      const res = await curl(['--digest', '-u', `${key.publicKey}:${key.privateKey}`, `${origin}/api/v1/catalogs`])
      t.equal(res.status, 403)
      t.equal(JSON.parse(res.body).errorCode, 'IP_ADDRESS_NOT_ON_ACCESS_LIST')
      t.match(JSON.parse(res.body).detail, '127.0.0.1')
    })

    await t.test('Python requests HTTPDigestAuth: list, create, patch, delete', async (t) => {
      const out = await python(`
import json, os, warnings, requests
from requests.auth import HTTPDigestAuth
warnings.filterwarnings('ignore')
o = os.environ['ORIGIN']; a = HTTPDigestAuth(os.environ['KEY'], os.environ['SECRET'])
r = requests.get(o + '/api/v1/databases', auth=a, verify=False)
dbs = sorted(d['fullyQualifiedName'] for d in r.json()['data'])
c = requests.post(o + '/api/v1/catalogs', json={'name': 'lake', 'type': 'iceberg'}, auth=a, verify=False)
p = requests.patch(c.json()['href'], data=json.dumps([{'op': 'add', 'path': '/description', 'value': 'from python'}]), headers={'Content-Type': 'application/json-patch+json'}, auth=a, verify=False)
d = requests.delete(c.json()['href'], auth=a, verify=False)
g = requests.get(c.json()['href'], auth=a, verify=False)
print(json.dumps({'list': r.status_code, 'dbs': dbs, 'create': c.status_code, 'location': c.headers.get('Location') == c.json()['href'], 'patch': p.status_code, 'description': p.json().get('description'), 'version': p.json().get('version'), 'delete': d.status_code, 'after': g.status_code, 'rid': bool(g.headers.get('X-Request-Id'))}))
`, { ORIGIN: origin, KEY: OWNER, SECRET })
      t.same(JSON.parse(out), { list: 200, dbs: ['default.ssb', 'default.tpch'], create: 201, location: true, patch: 200, description: 'from python', version: 2, delete: 200, after: 404, rid: true })
    })

    await t.test('names of the longest length the schemas allow, at every level, are found by /name/{fullyQualifiedName} over HTTPS', async (t) => {
      const name = (c: string): string => c.repeat(256)
      const levels: Array<[string, object, string]> = [
        ['catalogs', { name: name('c') }, name('c')],
        ['databases', { name: name('d'), catalog: name('c') }, `${name('c')}.${name('d')}`],
        ['tables', { name: name('t'), database: `${name('c')}.${name('d')}` }, `${name('c')}.${name('d')}.${name('t')}`],
        ['columns', { name: name('k'), table: `${name('c')}.${name('d')}.${name('t')}`, dataType: 'INT' }, `${name('c')}.${name('d')}.${name('t')}.${name('k')}`]
      ]
      for (const [collection, body, fqn] of levels) {
        const created = await curl([...auth, '-H', 'content-type: application/json', '-d', JSON.stringify(body), `${origin}/api/v1/${collection}`])
        t.equal(created.status, 201, `${collection} created`)
        const found = await curl([...auth, `${origin}/api/v1/${collection}/name/${encodeURIComponent(fqn)}`])
        t.equal(found.status, 200, `${collection}: a ${fqn.length}-character fullyQualifiedName is found`)
        t.equal(JSON.parse(found.body).fullyQualifiedName, fqn)
        t.match(JSON.parse(found.body).href, new RegExp(`^${origin}/api/v1/${collection}/`), 'href from the listening origin')
      }
      const deleted = await curl([...auth, '-X', 'DELETE', `${origin}/api/v1/catalogs/${JSON.parse((await curl([...auth, `${origin}/api/v1/catalogs/name/${name('c')}`])).body).id as string}?recursive=true`])
      t.equal(deleted.status, 200)
    })

    await t.test('SIGTERM: exits 0', async (t) => {
      t.equal(await server.stop(), 0)
    })
  })

  t.test('without ADMIN_* variables a key is generated, printed once and saved with mode 0600', async (t) => {
    const dataDir = t.testdir({})
    const server = await startServer({ DATA_DIR: dataDir })
    t.teardown(async () => { await server.stop() })
    const m = /public key:\s+([a-z0-9]+)\s+private key:\s+([0-9a-f-]{36})/.exec(server.stdout())
    t.ok(m, 'printed')
    t.equal(statSync(join(dataDir, 'admin-key.json')).mode & 0o777, 0o600)
    const res = await curl(['--digest', '-u', `${m?.[1]}:${m?.[2]}`, `${server.origin}/api/v1/catalogs`])
    t.equal(res.status, 200)
  })
}
