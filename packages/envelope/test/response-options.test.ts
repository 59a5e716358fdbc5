// Atlas response options (?envelope=true, ?pretty=true) and RFC 9457 problem details on request.
import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope, { prefersProblemJson } from '../src/index.js'

async function build (t: { teardown: (fn: () => unknown) => void }) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  const Thing = Type.Object({ name: Type.String() }, { additionalProperties: false })
  app.post('/things', { schema: { body: Thing, querystring: Type.Object({}, { additionalProperties: false }), response: app.envelope.responses({ 201: Thing }) } }, async (request, reply) => await reply.code(201).send(request.body))
  await app.register(async (v2) => {
    await v2.register(envelope, { style: 'status' })
    v2.get('/thing', { schema: { response: v2.envelope.responses({ 200: Thing }) } }, async () => ({ name: 'a' }))
  }, { prefix: '/v2' })
  return app
}

t.test('Atlas ?envelope=true: any answer, errors too, as {status, content} with HTTP 200', async (t) => {
  const app = await build(t)
  const created = await app.inject({ method: 'POST', url: '/things?envelope=true', payload: { name: 'a' } })
  t.equal(created.statusCode, 200)
  t.same(created.json(), { status: 201, content: { name: 'a' } })
  const bad = await app.inject({ method: 'POST', url: '/things?envelope=true', payload: { nme: 'a' } })
  t.equal(bad.statusCode, 200)
  t.equal(bad.json().status, 400)
  t.equal(bad.json().content.errorCode, 'INVALID_ATTRIBUTE')
  const missing = await app.inject({ method: 'GET', url: '/nowhere?envelope=true' })
  t.match(missing.json(), { status: 404, content: { errorCode: 'NOT_FOUND' } })
  const styled = await app.inject({ method: 'GET', url: '/v2/thing?envelope=true' })
  t.same(styled.json(), { status: 200, content: { status: '0', message: 'OK', result: { name: 'a' } } })
  const off = await app.inject({ method: 'POST', url: '/things?envelope=false', payload: { name: 'b' } })
  t.equal(off.statusCode, 201, 'envelope=false is the default behaviour, and the route never sees the parameter')
  const wrong = await app.inject({ method: 'POST', url: '/things?envelope=yes', payload: { name: 'b' } })
  t.equal(wrong.statusCode, 400)
  t.same(wrong.json().parameters, ['envelope'])
})

t.test('Atlas ?pretty=true indents the JSON', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/things?pretty=true', payload: { name: 'a' } })
  t.equal(res.statusCode, 201)
  t.equal(res.body, '{\n  "name": "a"\n}')
  t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body))
})

t.test('RFC 9457: Accept: application/problem+json answers problem details with the same errorCode, detail and requestId', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/things', headers: { accept: 'application/problem+json' }, payload: { nme: 'a' } })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.match(body, { type: 'about:blank', title: 'Bad Request', status: 400, instance: '/things', errorCode: 'INVALID_ATTRIBUTE', parameters: ['/nme'], requestId: res.headers['x-request-id'] })
  t.match(body.detail, 'Unknown field "/nme"')
  const v2 = await app.inject({ method: 'GET', url: '/v2/nowhere', headers: { accept: 'application/problem+json, application/json;q=0.5' } })
  t.match(v2.json(), { status: 404, errorCode: 'NOT_FOUND' }, 'problem details in a status-style version too')
  const plain = await app.inject({ method: 'GET', url: '/nowhere', headers: { accept: 'application/json, application/problem+json;q=0.5' } })
  t.match(plain.headers['content-type'], /^application\/json/)
  t.equal(plain.json().errorCode, 'NOT_FOUND')
})

t.test('prefersProblemJson follows the qualities of the Accept header', async (t) => {
  t.equal(prefersProblemJson(undefined), false)
  t.equal(prefersProblemJson('application/json'), false)
  t.equal(prefersProblemJson('application/problem+json'), true)
  t.equal(prefersProblemJson('application/json, application/problem+json'), true)
  t.equal(prefersProblemJson('application/problem+json;q=0.4, application/json'), false)
  t.equal(prefersProblemJson('application/problem+json;q=0, */*'), false)
  t.equal(prefersProblemJson('application/*;q=0.9, application/problem+json'), true)
})
