import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import envelope, { type EnvelopeOptions } from '../src/index.js'

async function build (t: { teardown: (fn: () => unknown) => void }, options: EnvelopeOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(envelope, { httpsOnly: false, ...options })
  app.post('/things', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        'x-read-only': ['id'],
        required: ['name'],
        properties: { name: { type: 'string' }, description: { type: 'string' }, size: { type: 'integer' } }
      },
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1 } } }
    }
  }, async (request) => ({ got: request.body, query: request.query }))
  app.get('/things/:id', async () => ({ id: 1 }))
  app.get('/boom', async () => { throw new Error('password=hunter2 at /srv/app.js:12') })
  app.get('/teapot', async (_req, reply) => { reply.code(418); throw Object.assign(new Error('short and stout'), { statusCode: 418, code: 'TEAPOT' }) })
  t.teardown(() => app.close())
  return app
}

// Tap's global type is not needed; keep the helper signature simple.

t.test('YugabyteDB seed "Errors handling": 404 carries error, reason, detail, errorCode, requestId', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['detail', 'error', 'errorCode', 'reason', 'requestId'])
  t.equal(body.error, 404)
  t.equal(body.reason, 'Not Found')
  t.equal(body.errorCode, 'NOT_FOUND')
  t.match(body.detail, '/nowhere')
  t.equal(body.requestId, res.headers['x-request-id'])
})

t.test('every answer carries X-Request-Id; a well-formed client id is reused, a bad one replaced', async (t) => {
  const app = await build(t)
  const ok = await app.inject({ method: 'GET', url: '/things/1' })
  t.match(ok.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  const given = await app.inject({ method: 'GET', url: '/things/1', headers: { 'x-request-id': 'trace-abc.1' } })
  t.equal(given.headers['x-request-id'], 'trace-abc.1')
  const bad = await app.inject({ method: 'GET', url: '/things/1', headers: { 'x-request-id': 'evil\ninjected' } })
  t.not(bad.headers['x-request-id'], 'evil\ninjected')
  t.match(bad.headers['x-request-id'], /^[0-9a-f-]{36}$/)
})

t.test('OpenMetadata seed "Unknown fields are not ignored": 400 INVALID_ATTRIBUTE names the field with a suggestion', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', descripton: 'typo' } })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.errorCode, 'INVALID_ATTRIBUTE')
  t.same(body.parameters, ['/descripton'])
  t.match(body.detail, 'Unknown field "/descripton"')
  t.match(body.detail, 'did you mean "description"?')
})

t.test('read-only fields are rejected as read-only', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', id: 'x' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errorCode, 'INVALID_ATTRIBUTE')
  t.match(res.json().detail, 'read-only')
  t.same(res.json().parameters, ['/id'])
})

t.test('missing fields, wrong types and bad query values are named', async (t) => {
  const app = await build(t)
  const missing = await app.inject({ method: 'POST', url: '/things', payload: { description: 'x' } })
  t.equal(missing.statusCode, 400)
  t.equal(missing.json().errorCode, 'MISSING_ATTRIBUTE')
  t.same(missing.json().parameters, ['/name'])
  const wrongType = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', size: '3' } })
  t.equal(wrongType.statusCode, 400, 'no coercion of body values')
  t.equal(wrongType.json().errorCode, 'INVALID_ATTRIBUTE')
  t.same(wrongType.json().parameters, ['/size'])
  const query = await app.inject({ method: 'POST', url: '/things?limit=0', payload: { name: 'a' } })
  t.equal(query.statusCode, 400)
  t.match(query.json().detail, 'query string')
  const unknownQuery = await app.inject({ method: 'POST', url: '/things?limt=3', payload: { name: 'a' } })
  t.equal(unknownQuery.statusCode, 400)
  t.same(unknownQuery.json().parameters, ['/limt'])
  const fine = await app.inject({ method: 'POST', url: '/things?limit=3', payload: { name: 'a' } })
  t.equal(fine.statusCode, 200)
  t.same(fine.json(), { got: { name: 'a' }, query: { limit: 3 } }, 'query strings are still coerced')
})

t.test('malformed JSON is 400 MALFORMED_JSON; __proto__ is refused', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name": "a",' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errorCode, 'MALFORMED_JSON')
  const proto = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name": "a", "__proto__": {"x": 1}}' })
  t.equal(proto.statusCode, 400)
  t.equal(proto.json().errorCode, 'MALFORMED_JSON')
})

t.test('StarRocks seed 415: a body in a type the route does not parse', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/xml' }, payload: '<a/>' })
  t.equal(res.statusCode, 415)
  t.equal(res.json().errorCode, 'UNSUPPORTED_MEDIA_TYPE')
})

t.test('body over the limit is 413', async (t) => {
  const app = Fastify({ bodyLimit: 100 })
  await app.register(envelope, { httpsOnly: false })
  app.post('/x', async () => ({}))
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/x', payload: { name: 'x'.repeat(200) } })
  t.equal(res.statusCode, 413)
  t.equal(res.json().errorCode, 'PAYLOAD_TOO_LARGE')
})

t.test('500 says nothing of the fault; a custom 4xx keeps its code', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().errorCode, 'INTERNAL_ERROR')
  t.notMatch(res.body, 'hunter2')
  t.notMatch(res.body, 'app.js')
  t.notMatch(res.body, 'stack')
  const teapot = await app.inject({ method: 'GET', url: '/teapot' })
  t.equal(teapot.statusCode, 418)
  t.equal(teapot.json().errorCode, 'TEAPOT')
  t.equal(teapot.json().reason, "I'm a Teapot")
})

t.test('RFC 9110 405: known path, other method, with Allow', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'DELETE', url: '/things/7' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, HEAD')
  t.equal(res.json().errorCode, 'METHOD_NOT_ALLOWED')
  const put = await app.inject({ method: 'PUT', url: '/things?limit=1' })
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'POST')
})

t.test('RFC 9110 406: an Accept that excludes JSON', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/things/1', headers: { accept: 'text/html' } })).statusCode, 406)
  t.equal((await app.inject({ method: 'GET', url: '/things/1', headers: { accept: 'application/json;q=0, text/html' } })).statusCode, 406)
  t.equal((await app.inject({ method: 'GET', url: '/things/1', headers: { accept: 'text/html, */*;q=0.1' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/things/1', headers: { accept: 'application/json' } })).statusCode, 200)
})

t.test('YugabyteDB seed HTTPS-only: plain HTTP is refused by default', async (t) => {
  const app = Fastify()
  await app.register(envelope)
  app.get('/x', async () => ({ ok: true }))
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 403)
  t.equal(res.json().errorCode, 'HTTPS_REQUIRED')
})

t.test('StarRocks style: {status, message, result}', async (t) => {
  const app = await build(t, { style: 'status' })
  const ok = await app.inject({ method: 'GET', url: '/things/1' })
  t.same(ok.json(), { status: '0', message: 'OK', result: { id: 1 } })
  const nf = await app.inject({ method: 'GET', url: '/nope' })
  t.equal(nf.statusCode, 404)
  t.equal(nf.json().status, '404')
  t.equal(nf.json().message, 'Not Found')
  t.equal(nf.json().result.errorCode, 'NOT_FOUND')
})

t.test('bad options throw ENVELOPE_INVALID_OPTION at startup', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(async () => { await app.register(envelope, { style: 'fancy' as 'plain' }) }, { code: 'ENVELOPE_INVALID_OPTION' })
})

t.test('nested registration: the prefix gets StarRocks bodies, inherits request ids, and 405 still knows its routes', async (t) => {
  const app = Fastify()
  await app.register(envelope, { httpsOnly: false })
  app.get('/v1/things/:id', async () => ({ id: 1 }))
  await app.register(async (v2) => {
    await v2.register(envelope, { style: 'status' })
    v2.get('/things/:id', async () => ({ id: 2 }))
  }, { prefix: '/v2' })
  t.teardown(() => app.close())
  const plain = await app.inject({ method: 'GET', url: '/v1/things/1' })
  t.same(plain.json(), { id: 1 })
  const wrapped = await app.inject({ method: 'GET', url: '/v2/things/1', headers: { 'x-request-id': 'trace-2' } })
  t.same(wrapped.json(), { status: '0', message: 'OK', result: { id: 2 } })
  t.equal(wrapped.headers['x-request-id'], 'trace-2')
  const notAllowed = await app.inject({ method: 'DELETE', url: '/v2/things/1' })
  t.equal(notAllowed.statusCode, 405)
  t.equal(notAllowed.headers.allow, 'GET, HEAD')
  t.equal(notAllowed.json().status, '405')
  t.equal(notAllowed.json().result.errorCode, 'METHOD_NOT_ALLOWED')
  const rootMissing = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(rootMissing.json().errorCode, 'NOT_FOUND', 'the root keeps its plain style')
})

t.test('allowOrigin: the CORS policy made explicit (OWASP API8:2023), one origin on every answer, or none', async (t) => {
  const none = await build(t)
  for (const url of ['/things/1', '/nowhere', '/boom']) {
    t.equal((await none.inject({ url, headers: { origin: 'https://evil.example' } })).headers['access-control-allow-origin'], undefined, `default: no header on ${url}`)
  }
  const one = await build(t, { allowOrigin: 'https://console.example.com' })
  for (const url of ['/things/1', '/nowhere', '/boom', '/teapot']) {
    const res = await one.inject({ url, headers: { origin: 'https://evil.example' } })
    t.equal(res.headers['access-control-allow-origin'], 'https://console.example.com', `${url} (${res.statusCode})`)
  }
  let calls = 0
  const later = await build(t, { allowOrigin: () => { calls++; return 'https://127.0.0.1:8443' } })
  t.equal(calls, 0, 'a function is not called at registration')
  for (let i = 0; i < 3; i++) t.equal((await later.inject({ url: '/things/1' })).headers['access-control-allow-origin'], 'https://127.0.0.1:8443')
  t.equal(calls, 1, 'a function is called once, on the first request')
  const wrongLater = await build(t, { allowOrigin: () => 'https://a.example/path' })
  const res = await wrongLater.inject({ url: '/things/1' })
  t.equal(res.statusCode, 500, "a function's answer that is no origin is a fault of the server")
  t.equal(res.headers['access-control-allow-origin'], undefined)
  for (const bad of ['*', 'null', 'https://a.example/', 'https://a.example/path', 'ftp://a.example', 'a.example', '', true, 1]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(envelope, { allowOrigin: bad as string }) }, { code: 'ENVELOPE_INVALID_OPTION', message: /allowOrigin/ }, JSON.stringify(bad))
  }
})

t.test('a request without a body arms no drain timer (fastify.inject never marks a request complete)', async (t) => {
  const app = await build(t)
  await app.ready() // avvio's 10 s plugin timeout is armed while booting
  let armed = 0
  const original = globalThis.setTimeout
  // Counts the timers drainUnreadBody arms (DRAIN_MAX_MS; avvio arms others of 10 s per inject).
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (new Error().stack?.includes('drainUnreadBody') === true) armed++
    return original(fn, ms, ...args)
  }) as typeof setTimeout
  t.teardown(() => { globalThis.setTimeout = original })
  for (let i = 0; i < 50; i++) t.equal((await app.inject({ method: 'GET', url: '/things/1' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/things/1', headers: { 'content-length': '0' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/things', payload: { name: 'a' } })).statusCode, 200)
  globalThis.setTimeout = original
  t.equal(armed, 0, 'no drain timer for 52 bodiless requests and one whose body was read')
})
