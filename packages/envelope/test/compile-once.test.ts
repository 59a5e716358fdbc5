// Issue 12 (startup): each distinct schema is compiled once, however many routes and status
// codes carry it. Sharing must never hand a route another schema's validator or serializer, and a
// bad schema must still fail the start.
import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope, { createValidatorCompiler } from '../src/index.js'
import { countAjvInstances } from '../../../test/helpers/ajv-instances.js'

t.test('routes with equal schemas share a compilation; each route still answers by its own schema', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  // Equal schemas made separately (as a resource's routes make them), and one that differs.
  const wide = () => Type.Object({ name: Type.String(), size: Type.Integer() }, { additionalProperties: false })
  const narrow = Type.Object({ name: Type.String() }, { additionalProperties: false })
  const stored = { name: 'a', size: 3, secret: 'never sent' }
  for (const path of ['/a', '/b']) app.get(path, { schema: { response: app.envelope.responses({ 200: wide() }) } }, async () => stored)
  app.get('/narrow', { schema: { response: app.envelope.responses({ 200: narrow }) } }, async () => stored)
  for (const path of ['/a', '/b']) app.post(path, { schema: { body: wide(), response: app.envelope.responses({ 200: wide() }) } }, async (request) => request.body)
  app.post('/narrow', { schema: { body: narrow, response: app.envelope.responses({ 200: narrow }) } }, async (request) => request.body)

  for (const path of ['/a', '/b']) {
    t.same((await app.inject({ method: 'GET', url: path })).json(), { name: 'a', size: 3 }, `${path}: the fields of its schema, nothing else`)
    t.equal((await app.inject({ method: 'POST', url: path, payload: { name: 'x', size: 1 } })).statusCode, 200, `${path}: a body of its schema`)
  }
  t.same((await app.inject({ method: 'GET', url: '/narrow' })).json(), { name: 'a' }, '/narrow: only name')
  const refused = await app.inject({ method: 'POST', url: '/narrow', payload: { name: 'x', size: 1 } })
  t.equal(refused.statusCode, 400, '/narrow refuses size although /a and /b accept it')
  t.equal(refused.json().errorCode, 'INVALID_ATTRIBUTE')
  const wrongType = await app.inject({ method: 'POST', url: '/b', payload: { name: 'x', size: 'big' } })
  t.equal(wrongType.statusCode, 400, '/b validates like /a')
})

t.test('a bad schema still fails the start, also after an equal good one was compiled', async (t) => {
  const badResponse = Fastify()
  t.teardown(() => badResponse.close())
  await badResponse.register(envelope, { httpsOnly: false })
  badResponse.get('/ok', { schema: { response: { 200: Type.Object({ name: Type.String() }) } } }, async () => ({ name: 'a' }))
  badResponse.get('/bad', { schema: { response: { 200: { $ref: 'nowhere#' } } } }, async () => ({ name: 'a' }))
  await t.rejects(async () => { await badResponse.ready() }, 'an unresolvable response schema fails ready()')

  const badBody = Fastify()
  t.teardown(() => badBody.close())
  await badBody.register(envelope, { httpsOnly: false })
  badBody.post('/ok', { schema: { body: Type.Object({ name: Type.String() }) } }, async () => ({}))
  badBody.post('/bad', { schema: { body: { type: 'object', properties: { name: { type: 'string', maxLenght: 3 } } } } }, async () => ({}))
  await t.rejects(async () => { await badBody.ready() }, 'a misspelt keyword (strict mode) fails ready()')
})

// The validator compilers of one configuration (external schemas, Ajv options, plugins) are shared
// by the apps and the standalone compilers (a ResourceRegistry's) alive in the process.
t.test('an app and a standalone compiler of the same configuration share their two Ajv instances', async (t) => {
  const standalone = createValidatorCompiler()
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  const Body = Type.Object({ name: Type.String() }, { additionalProperties: false })
  app.post('/a', { schema: { body: Body, querystring: Type.Object({ n: Type.Integer() }) } }, async (request) => request.query)
  const { count } = await countAjvInstances(async () => { await app.ready() })
  t.equal(count, 0, 'the app made no Ajv instance of its own')
  const validate = standalone({ schema: Body, httpPart: 'body', method: 'POST', url: '' }) as (data: unknown) => boolean
  t.equal(validate({ name: 'a' }), true)
  t.equal(validate({ name: 'a', other: 1 }), false, 'the standalone compiler still refuses unknown fields')
  const coerced = await app.inject({ method: 'POST', url: '/a?n=3', payload: { name: 'a' } })
  t.same(coerced.json(), { n: 3 }, 'the query string is still coerced, the body is not')
  t.equal((await app.inject({ method: 'POST', url: '/a?n=3', payload: { name: 5 } })).statusCode, 400)
})

t.test('apps with other plugins or Ajv options do not share: each validates by its own', async (t) => {
  const evenKeyword = (ajv: { addKeyword: (d: object) => unknown }) => {
    ajv.addKeyword({ keyword: 'even', type: 'number', schemaType: 'boolean', validate: (_s: boolean, data: number) => data % 2 === 0 })
    return ajv
  }
  const withPlugin = Fastify({ ajv: { plugins: [evenKeyword as never] } })
  t.teardown(() => withPlugin.close())
  await withPlugin.register(envelope, { httpsOnly: false })
  const Even = { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', even: true } } }
  withPlugin.post('/n', { schema: { body: Even } }, async (request) => request.body)
  await withPlugin.ready()
  t.equal((await withPlugin.inject({ method: 'POST', url: '/n', payload: { n: 3 } })).statusCode, 400, 'the plugin\'s keyword applies')

  const without = Fastify()
  t.teardown(() => without.close())
  await without.register(envelope, { httpsOnly: false })
  without.post('/n', { schema: { body: Even } }, async (request) => request.body)
  await t.rejects(async () => { await without.ready() }, /strict mode: unknown keyword: "even"/, 'an app without the plugin does not get it from the other app')

  // Ajv options that are not plain data (here a logger: functions) cannot be told apart: not shared.
  const logger = { log: () => undefined, warn: () => undefined, error: () => undefined }
  const own = async (): Promise<number> => {
    const app = Fastify({ ajv: { customOptions: { logger } } })
    t.teardown(() => app.close())
    await app.register(envelope, { httpsOnly: false })
    app.post('/b', { schema: { body: Type.Object({ b: Type.Boolean() }) } }, async () => ({}))
    return (await countAjvInstances(async () => { await app.ready() })).count
  }
  t.equal(await own(), 2)
  t.equal(await own(), 2, 'a second such app makes its own two')
})

t.test('a schema with an $id is compiled by its app\'s own Ajv instances: two apps, one $id, two schemas', async (t) => {
  const make = async (properties: Record<string, unknown>) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(envelope, { httpsOnly: false })
    app.post('/thing', { schema: { body: { $id: 'https://example.com/thing', type: 'object', additionalProperties: false, properties } } }, async (request) => request.body)
    await app.ready()
    return app
  }
  const a = await make({ a: { type: 'string' } })
  const b = await make({ b: { type: 'integer' } })
  t.equal((await a.inject({ method: 'POST', url: '/thing', payload: { a: 'x' } })).statusCode, 200)
  t.equal((await a.inject({ method: 'POST', url: '/thing', payload: { b: 1 } })).statusCode, 400, 'app a: its own schema')
  t.equal((await b.inject({ method: 'POST', url: '/thing', payload: { b: 1 } })).statusCode, 200)
  t.equal((await b.inject({ method: 'POST', url: '/thing', payload: { a: 'x' } })).statusCode, 400, 'app b: its own schema, not a\'s')
})
