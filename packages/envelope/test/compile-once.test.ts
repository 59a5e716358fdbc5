// Issue 12 (startup): each distinct schema is compiled once, however many routes and status
// codes carry it. Sharing must never hand a route another schema's validator or serializer, and a
// bad schema must still fail the start.
import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope from '../src/index.js'

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
