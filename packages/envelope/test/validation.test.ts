// Validation through Fastify's own compiler: addSchema/$ref, Ajv strict mode, the app's ajv
// options, no body coercion; and the HTTP helpers the envelope brings (@fastify/sensible).
import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope, { ErrorBodySchema } from '../src/index.js'

t.test('fastify.addSchema + $ref: the shared schema validates the body and an unknown field is 400 INVALID_ATTRIBUTE', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  app.addSchema({ $id: 'Book', type: 'object', additionalProperties: false, required: ['title'], properties: { title: { type: 'string' }, pages: { type: 'integer' } } })
  app.post('/books', { schema: { body: { $ref: 'Book#' } } }, async (request) => request.body)
  const ok = await app.inject({ method: 'POST', url: '/books', payload: { title: 'Dune', pages: 412 } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { title: 'Dune', pages: 412 })
  const bad = await app.inject({ method: 'POST', url: '/books', payload: { title: 'Dune', pagez: 412 } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errorCode, 'INVALID_ATTRIBUTE')
  t.same(bad.json().parameters, ['/pagez'])
  t.match(bad.json().detail, 'did you mean "pages"')
})

t.test('Ajv strict mode: a schema with a misspelt keyword stops ready()', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  app.post('/books', { schema: { body: { type: 'object', properties: { title: { type: 'string', maxLenght: 10 } } } } }, async () => ({}))
  await t.rejects(async () => { await app.ready() }, /strict mode: unknown keyword: "maxLenght"/)
})

t.test('the app\'s own ajv plugins and options given to Fastify still apply', async (t) => {
  const evenKeyword = (ajv: { addKeyword: (d: object) => unknown }) => {
    ajv.addKeyword({ keyword: 'even', type: 'number', schemaType: 'boolean', validate: (_s: boolean, data: number) => data % 2 === 0 })
    return ajv
  }
  const app = Fastify({ ajv: { plugins: [evenKeyword as never] } })
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  app.post('/n', { schema: { body: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', even: true } } } } }, async (request) => request.body)
  t.equal((await app.inject({ method: 'POST', url: '/n', payload: { n: 4 } })).statusCode, 200)
  const odd = await app.inject({ method: 'POST', url: '/n', payload: { n: 3 } })
  t.equal(odd.statusCode, 400)
  t.same(odd.json().parameters, ['/n'])
})

t.test('bodies are not type-coerced; query strings are; defaults are applied', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  const schema = Type.Object({ flag: Type.Boolean({ default: true }), size: Type.Optional(Type.Integer()) }, { additionalProperties: false })
  app.post('/x', { schema: { body: schema, querystring: schema } }, async (request) => ({ body: request.body, query: request.query }))
  const coerced = await app.inject({ method: 'POST', url: '/x', payload: { flag: 'true' } })
  t.equal(coerced.statusCode, 400)
  t.same(coerced.json().parameters, ['/flag'])
  const ok = await app.inject({ method: 'POST', url: '/x?flag=false&size=3', payload: {} })
  t.same(ok.json(), { body: { flag: true }, query: { flag: false, size: 3 } })
})

t.test('a route with config.permission and no authorization registered is a boot error (never served open)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  t.throws(() => app.get('/secret', { config: { permission: 'admin:read' } }, async () => ({ secret: true })),
    { code: 'PERMISSION_WITHOUT_AUTHORIZATION', message: /GET \/secret.*admin:read/ })
  // Declared inside a plugin, the same error stops ready().
  app.register(async (scope) => { scope.get('/other', { config: { permission: 'admin:read' } }, async () => ({})) })
  await t.rejects(async () => { await app.ready() }, { code: 'PERMISSION_WITHOUT_AUTHORIZATION' })
})

t.test('@fastify/sensible: its HTTP errors are answered in the error format; every answer is Cache-Control: no-store', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  app.get('/conflict', async () => { throw app.httpErrors.conflict('The book is checked out') })
  const res = await app.inject({ method: 'GET', url: '/conflict' })
  t.equal(res.statusCode, 409)
  t.match(res.json(), { error: 409, reason: 'Conflict', errorCode: 'CONFLICT', detail: 'The book is checked out' })
  t.equal(res.headers['cache-control'], 'no-store')
})

t.test('fastify.envelope.responses: the success schema wrapped per style, the error body for 4xx/5xx; serialization drops what is not declared', async (t) => {
  const Book = Type.Object({ title: Type.String() }, { additionalProperties: false })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  t.equal(app.envelope.style, 'plain')
  t.same(app.envelope.responses({ 200: Book })['4xx'], ErrorBodySchema)
  app.get('/book', { schema: { response: app.envelope.responses({ 200: Book }) } }, async () => ({ title: 'Dune', secret: 'HA1' }))
  await app.register(async (v2) => {
    await v2.register(envelope, { style: 'status' })
    t.equal(v2.envelope.style, 'status')
    v2.get('/book', { schema: { response: v2.envelope.responses({ 200: Book }) } }, async () => ({ title: 'Dune', secret: 'HA1' }))
  }, { prefix: '/v2' })
  t.same((await app.inject({ method: 'GET', url: '/book' })).json(), { title: 'Dune' })
  t.same((await app.inject({ method: 'GET', url: '/v2/book' })).json(), { status: '0', message: 'OK', result: { title: 'Dune' } })
  const missing = await app.inject({ method: 'GET', url: '/v2/nothing' })
  t.match(missing.json(), { status: '404', message: 'Not Found', result: { errorCode: 'NOT_FOUND' } })
})

t.test('with allErrors off, a misspelt required field is still reported as the unknown field with "did you mean"', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  app.post('/books', { schema: { body: Type.Object({ title: Type.String(), pages: Type.Optional(Type.Integer()) }, { additionalProperties: false }) } }, async (request) => request.body)
  const res = await app.inject({ method: 'POST', url: '/books', payload: { titel: 'Dune' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errorCode, 'INVALID_ATTRIBUTE')
  t.same(res.json().parameters, ['/titel', '/title'])
  t.match(res.json().detail, /^Unknown field "\/titel"; did you mean "title"\? \(and 1 more: Missing required field "\/title"\)$/)
})
