/**
 * OWASP API Security Top 10 2023: one test per item that applies to this API, named after it.
 * API7 (SSRF) is covered as far as it applies (no request is ever made to a client-given
 * URL; the Host header does not steer the links); API10 (unsafe consumption of third-party
 * APIs) does not apply: the server consumes no third-party API.
 */
import t from 'tap'
import { digestInject } from '../../examples/platform-server/test/fixtures/digest.js'
import { build, errorFormat, owner } from './helpers.js'

async function keyWith (as: Awaited<ReturnType<typeof build>>['as'], role: string): Promise<{ username: string, password: string, id: string }> {
  const res = await as({ method: 'POST', url: '/api/v1/apiKeys', payload: { description: role, roles: [role], accessList: [{ ipAddress: '127.0.0.1' }] } })
  if (res.statusCode !== 201) throw new Error(`cannot create a ${role} key: ${res.statusCode} ${res.body}`)
  return { username: res.json().publicKey, password: res.json().privateKey, id: res.json().id }
}

t.test('API1:2023 Broken Object Level Authorization: a key reads and writes only the objects its role allows', async (t) => {
  const { app, as } = await build(t)
  const reader = await keyWith(as, 'ORG_READ_ONLY')
  const ownerKey = (await as({ method: 'GET', url: '/api/v1/apiKeys?limit=1' })).json().data[0].id as string
  const catalog = (await as({ method: 'GET', url: '/api/v1/catalogs?limit=1' })).json().data[0].id as string
  for (const [method, url, payload] of [['GET', `/api/v1/apiKeys/${ownerKey}`], ['DELETE', `/api/v1/apiKeys/${ownerKey}`], ['PATCH', `/api/v1/catalogs/${catalog}`, '{"description":"x"}'], ['DELETE', `/api/v1/catalogs/${catalog}?recursive=true`]] as const) {
    const res = await digestInject(app, reader, { method, url, ...(payload !== undefined ? { payload, headers: { 'content-type': 'application/merge-patch+json' } } : {}) })
    t.equal(res.statusCode, 403, `${method} ${url}`)
    t.equal(res.json().errorCode, 'INSUFFICIENT_ROLE')
  }
  t.equal((await as({ method: 'GET', url: `/api/v1/catalogs/${catalog}` })).statusCode, 200, 'the catalog is still there')
})

t.test('API2:2023 Broken Authentication: wrong and unknown keys get identical 401s; guessing is rate limited', async (t) => {
  const { app } = await build(t, { rateLimit: { perAddressMax: 20, perKeyMax: 1000 } })
  const wrong = await digestInject(app, { ...owner, password: '00000000-0000-4000-8000-000000000000' }, { method: 'GET', url: '/api/v1/tables' })
  const unknown = await digestInject(app, { username: 'nosuchkey1', password: owner.password }, { method: 'GET', url: '/api/v1/tables' })
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  t.equal(wrong.json().detail, unknown.json().detail)
  t.equal(wrong.json().errorCode, unknown.json().errorCode)
  let status = 0
  for (let i = 0; i < 20 && status !== 429; i++) status = (await app.inject({ method: 'GET', url: '/api/v1/tables', headers: { authorization: 'Digest username="ownerkey1", response="x"' } })).statusCode
  t.equal(status, 429, 'an address guessing passwords is limited')
})

t.test('API3:2023 Broken Object Property Level Authorization: read-only and hidden properties', async (t) => {
  const { as } = await build(t)
  const key = await as({ method: 'POST', url: '/api/v1/apiKeys', payload: { roles: ['ORG_MEMBER'], accessList: [{ ipAddress: '127.0.0.1' }] } })
  t.equal(key.statusCode, 201)
  t.notOk('ha1' in key.json(), 'HA1 never answered')
  const again = await as({ method: 'GET', url: `/api/v1/apiKeys/${key.json().id as string}` })
  t.notOk('privateKey' in again.json(), 'the private key only in the POST answer')
  t.notOk('ha1' in again.json())
  for (const payload of [{ roles: ['ORG_MEMBER'], publicKey: 'chosen12345' }, { roles: ['ORG_MEMBER'], ha1: { MD5: 'x' } }, { roles: ['ORG_MEMBER'], id: '00000000-0000-4000-8000-000000000000' }]) {
    const res = await as({ method: 'POST', url: '/api/v1/apiKeys', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().errorCode, 'INVALID_ATTRIBUTE')
  }
  const patch = await as({ method: 'PATCH', url: `/api/v1/apiKeys/${key.json().id as string}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"ha1":{"MD5":"x"}}' })
  t.equal(patch.statusCode, 400)
})

t.test('API4:2023 Unrestricted Resource Consumption: page size, body size, depth, patch length and embedding are bounded', async (t) => {
  const { as } = await build(t)
  t.equal((await as({ method: 'GET', url: '/api/v1/tables?limit=1001' })).statusCode, 400)
  const big = await as({ method: 'POST', url: '/api/v1/catalogs', headers: { 'content-type': 'application/json' }, payload: `{"name":"big","description":"${'x'.repeat(1024 * 1024)}"}` })
  t.equal(big.statusCode, 413)
  t.notOk(errorFormat(big))
  t.equal((await as({ method: 'POST', url: '/api/v1/catalogs', headers: { 'content-type': 'application/json' }, payload: '{"name":"deep","description":' + '['.repeat(1000) + ']'.repeat(1000) + '}' })).json().errorCode, 'JSON_TOO_DEEP')
  const catalog = (await as({ method: 'GET', url: '/api/v1/catalogs?limit=1' })).json().data[0].id as string
  const ops = JSON.stringify(Array.from({ length: 101 }, () => ({ op: 'add', path: '/description', value: 'x' })))
  t.equal((await as({ method: 'PATCH', url: `/api/v1/catalogs/${catalog}`, headers: { 'content-type': 'application/json-patch+json' }, payload: ops })).statusCode, 400, '101 JSON Patch operations')
})

t.test('API5:2023 Broken Function Level Authorization: admin functions need ORG_OWNER', async (t) => {
  const { app, as } = await build(t)
  const member = await keyWith(as, 'ORG_MEMBER')
  const res = await digestInject(app, member, { method: 'POST', url: '/api/v1/apiKeys', payload: { roles: ['ORG_OWNER'], accessList: [{ ipAddress: '127.0.0.1' }] } })
  t.equal(res.statusCode, 403, 'a member cannot mint an owner key')
  t.equal(res.json().errorCode, 'INSUFFICIENT_ROLE')
  t.equal((await digestInject(app, member, { method: 'GET', url: '/api/v1/apiKeys' })).statusCode, 403)
})

t.test('API6:2023 Unrestricted Access to Sensitive Business Flows: one key cannot drive a flow without limit', async (t) => {
  const { app, as } = await build(t, { rateLimit: { perAddressMax: 10_000, perKeyMax: 5 } })
  let last = 0
  for (let i = 0; i < 6; i++) last = (await as({ method: 'POST', url: '/api/v1/catalogs', payload: { name: `flow${i}` } })).statusCode
  t.equal(last, 429, 'the sixth write with one key in the window')
  void app
})

t.test('API7:2023 Server Side Request Forgery: no client-given URL is fetched; the Host header does not steer links', async (t) => {
  const { as } = await build(t)
  const res = await as({ method: 'GET', url: '/api/v1/catalogs?limit=1', headers: { host: 'evil.example.net' } })
  t.equal(res.statusCode, 200)
  t.match(res.json().data[0].href, /^https:\/\/platform\.example\.com\//)
})

t.test('API8:2023 Security Misconfiguration: no-store, nosniff, no stack traces, plain HTTP refused', async (t) => {
  const { app } = await build(t, { envelope: { httpsOnly: true } })
  const res = await app.inject({ method: 'GET', url: '/api/v1/tables' })
  t.equal(res.statusCode, 403)
  t.equal(res.json().errorCode, 'HTTPS_REQUIRED')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.notMatch(res.body, /at .*\.js:\d+/, 'no stack trace')
})

t.test('API9:2023 Improper Inventory Management: only the documented versions answer', async (t) => {
  const { as } = await build(t)
  for (const url of ['/api/v0/tables', '/api/v3/tables', '/api/tables', '/api/v1/internal']) {
    const res = await as({ method: 'GET', url })
    t.equal(res.statusCode, 404, url)
    t.notOk(errorFormat(res))
  }
})
