import t from 'tap'
import { computeHA1 } from 'fastify-platform-api'
import { buildServer } from '../src/server.js'
import { digestInject } from './fixtures/digest.js'

const owner = { username: 'ownerkey1', password: '4f9c2a7e-1b3d-4c5e-8f6a-0b1c2d3e4f5a' }

async function build (t: { teardown: (fn: () => unknown) => void }, accessList = [{ cidrBlock: '127.0.0.1/32' }]) {
  const { app, registry } = await buildServer({ envelope: { httpsOnly: false }, publicUrl: 'https://platform.example.com', adminKey: { publicKey: owner.username, privateKey: owner.password, accessList } })
  t.teardown(() => app.close())
  return { app, registry }
}

t.test('the seeded catalog: 13 tables, lineitem by fullyQualifiedName with its 16 columns', async (t) => {
  const { app } = await build(t)
  const list = await digestInject(app, owner, { method: 'GET', url: '/api/v1/tables?limit=3' })
  t.equal(list.statusCode, 200)
  t.equal(list.json().data.length, 3)
  t.equal(list.json().paging.total, 13)
  t.type(list.json().paging.after, 'string')
  const lineitem = await digestInject(app, owner, { method: 'GET', url: '/api/v1/tables/name/default.tpch.lineitem?fields=columns' })
  t.equal(lineitem.statusCode, 200)
  const cols = lineitem.json().columns
  t.equal(cols.length, 16)
  t.same(cols.find((c: { name: string }) => c.name === 'l_extendedprice'), { ...cols.find((c: { name: string }) => c.name === 'l_extendedprice'), dataType: 'DECIMAL(15,2)', ordinalPosition: 6, nullable: false })
  const tpchColumns = await digestInject(app, owner, { method: 'GET', url: '/api/v1/columns?limit=1' })
  t.equal(tpchColumns.statusCode, 200, tpchColumns.body.slice(0, 300))
  t.equal(tpchColumns.json().paging.total, 119, '61 TPC-H + 58 SSB columns')
  const orm = await digestInject(app, owner, { method: 'GET', url: '/api/v1/integrations?category=orm&limit=100' })
  t.ok(orm.json().data.some((i: { name: string, status?: string }) => i.name === 'SQLAlchemy' && i.status === 'Beta'))
})

t.test('/health needs no authentication; /api needs Digest', async (t) => {
  const { app } = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  const res = await app.inject({ method: 'GET', url: '/api/v1/tables' })
  t.equal(res.statusCode, 401)
  const challenges = res.headers['www-authenticate'] as string[]
  t.equal(challenges.length, 2, 'one challenge per algorithm offered (auth README: the default offer)')
  t.match(challenges[0], /^Digest realm="platform-api", qop="auth", algorithm=MD5, nonce="[^"]+", opaque="[^"]+", charset=UTF-8$/)
  t.match(challenges[1], /^Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="[^"]+", opaque="[^"]+", charset=UTF-8$/)
  t.equal(res.json().errorCode, 'UNAUTHORIZED')
  const wrong = await digestInject(app, { ...owner, password: '00000000-0000-4000-8000-000000000000' }, { method: 'GET', url: '/api/v1/tables' })
  t.equal(wrong.statusCode, 401)
})

t.test('API keys: private key once, only its HA1 stored; roles enforced; access list enforced', async (t) => {
  const { app, registry } = await build(t)
  const created = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', payload: { description: 'reader', roles: ['ORG_READ_ONLY'], accessList: [{ ipAddress: '127.0.0.1' }] } })
  t.equal(created.statusCode, 201)
  const key = created.json()
  t.match(key.publicKey, /^[a-z0-9]{16}$/)
  t.match(key.privateKey, /^[0-9a-f-]{36}$/)
  t.notOk('ha1' in key)
  // DESIGN.md "Security defaults": only HA1 hashes of private keys are stored.
  const stored = JSON.stringify(await registry.store.get('apiKeys', key.id))
  t.notMatch(stored, key.privateKey, 'the private key is not stored')
  for (const hash of ['MD5', 'SHA-256', 'SHA-512-256'] as const) {
    t.match(stored, computeHA1(hash, key.publicKey, 'platform-api', key.privateKey), `its ${hash} HA1 is (RFC 7616 §3.4.2: one per hash function)`)
  }
  const again = await digestInject(app, owner, { method: 'GET', url: `/api/v1/apiKeys/${key.id}` })
  t.notOk('privateKey' in again.json())
  t.notOk('ha1' in again.json())
  const reader = { username: key.publicKey, password: key.privateKey }
  t.equal((await digestInject(app, reader, { method: 'GET', url: '/api/v1/catalogs' })).statusCode, 200)
  const write = await digestInject(app, reader, { method: 'POST', url: '/api/v1/catalogs', payload: { name: 'lake', type: 'hive' } })
  t.equal(write.statusCode, 403)
  t.equal(write.json().errorCode, 'INSUFFICIENT_ROLE')
  const keys = await digestInject(app, reader, { method: 'GET', url: '/api/v1/apiKeys' })
  t.equal(keys.statusCode, 403)

  const far = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', payload: { roles: ['ORG_OWNER'], accessList: [{ cidrBlock: '10.0.0.0/8' }] } })
  const farKey = { username: far.json().publicKey, password: far.json().privateKey }
  const refused = await digestInject(app, farKey, { method: 'GET', url: '/api/v1/catalogs' })
  t.equal(refused.statusCode, 403)
  t.equal(refused.json().errorCode, 'IP_ADDRESS_NOT_ON_ACCESS_LIST')
  t.match(refused.json().detail, '127.0.0.1')

  const bad = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', payload: { roles: ['ORG_OWNER'], accessList: [{ ipAddress: '010.0.0.1' }] } })
  t.equal(bad.statusCode, 400)
  const badRole = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', payload: { roles: ['ROOT'] } })
  t.equal(badRole.statusCode, 400)
})

t.test('API keys: the private key is in the POST answer only, however often the key is read (answers cached per version)', async (t) => {
  const { app } = await build(t)
  const created = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', payload: { description: 'cached', roles: ['ORG_MEMBER'], accessList: [{ ipAddress: '127.0.0.1' }] } })
  t.equal(created.statusCode, 201)
  const key = created.json()
  t.match(key.privateKey, /^[0-9a-f-]{36}$/)
  const answers: string[] = []
  const read = async (): Promise<void> => {
    for (const url of ['/api/v1/apiKeys?limit=100', `/api/v1/apiKeys/${key.id as string}`, '/api/v1/apiKeys?limit=100', `/api/v1/apiKeys/${key.id as string}`]) {
      const res = await digestInject(app, owner, { method: 'GET', url })
      t.equal(res.statusCode, 200, url)
      answers.push(res.body)
    }
  }
  await read()
  const patched = await digestInject(app, owner, { method: 'PATCH', url: `/api/v1/apiKeys/${key.id as string}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { description: 'cached, then changed' } })
  t.equal(patched.statusCode, 200)
  answers.push(patched.body)
  await read()
  t.equal(JSON.parse(answers.at(-1) as string).description, 'cached, then changed', 'the change is seen at once')
  t.ok(JSON.parse(answers.at(-2) as string).data.some((k: { id: string, description?: string }) => k.id === key.id && k.description === 'cached, then changed'))
  for (const text of answers) {
    t.notOk(text.includes(key.privateKey as string), 'never the private key')
    t.notMatch(text, /privateKey|ha1/, 'nor its field, nor an HA1')
  }
})

t.test('POST with an unknown field is 400 naming it', async (t) => {
  const { app } = await build(t)
  const res = await digestInject(app, owner, { method: 'POST', url: '/api/v1/tables', payload: { name: 'orders2', database: 'default.tpch', tabletype: 'view' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errorCode, 'INVALID_ATTRIBUTE')
  t.same(res.json().parameters, ['/tabletype'])
  t.match(res.json().detail, 'did you mean "tableType"')
})

t.test('X-HTTP-Method-Override: a POST hashed as POST is routed as PATCH (for Java HttpURLConnection); GET is not an override', async (t) => {
  const { app } = await build(t)
  const created = await digestInject(app, owner, { method: 'POST', url: '/api/v1/catalogs', payload: { name: 'overridden', type: 'hive' } })
  t.equal(created.statusCode, 201)
  const url = `/api/v1/catalogs/${created.json().id as string}`
  const patched = await digestInject(app, owner, {
    method: 'POST',
    url,
    headers: { 'x-http-method-override': 'PATCH', 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ description: 'via override' })
  })
  t.equal(patched.statusCode, 200)
  t.equal(patched.json().description, 'via override')
  t.equal(patched.json().version, 2)
  t.match(patched.headers['authentication-info'], /^rspauth="[0-9a-f]+", qop=auth, nc=00000001, cnonce="[^"]+"$/)
  const refused = await digestInject(app, owner, { method: 'POST', url, headers: { 'x-http-method-override': 'GET' }, payload: {} })
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().errorCode, 'INVALID_METHOD_OVERRIDE')
  t.equal((await digestInject(app, owner, { method: 'POST', url, payload: {} })).statusCode, 405, 'without the header it is a POST: 405 on an entity')
})
