// Issue 12 (startup): unions that need no run-time validator reach fast-json-stringify without
// `anyOf`, so that it constructs no Ajv instance for them; every value the original schema accepts
// is still written to the same bytes, and every other union is left as it is.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import envelope, { createValidatorCompiler } from '../src/index.js'
import { serializationSchema } from '../src/lib/serialization-schema.js'
import { countAjvInstances } from '../../../test/helpers/ajv-instances.js'

type Serialize = (value: unknown) => string
/** Fastify's own serializer of `schema` (fast-json-stringify, no rewrite): the bytes before. */
const fastifySerializer = (schema: unknown): Serialize => (SerializerSelector as unknown as () => (ext: object, opts: object) => (route: { schema: unknown }) => Serialize)()({}, {})({ schema })

/** Rewritten, the same bytes for every value, and fewer Ajv instances to build. */
async function sameBytes (t: Test, schema: object, values: unknown[]): Promise<void> {
  const before = JSON.stringify(schema)
  const rewritten = serializationSchema(schema)
  t.equal(JSON.stringify(schema), before, 'the given schema is not modified')
  const original = await countAjvInstances(async () => fastifySerializer(schema))
  const changed = await countAjvInstances(async () => fastifySerializer(rewritten))
  t.equal(original.count, 1, 'fast-json-stringify makes an Ajv instance for the anyOf')
  t.equal(changed.count, 0, 'and none for the rewritten schema')
  // (the message in ASCII: a U+2028 would end the TAP line)
  for (const value of values) t.equal(changed.result(value), original.result(value), `same bytes for ${String(JSON.stringify(value)).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`)
}

t.test('a union of string literals is a string enum; the same bytes, escapes included', async (t) => {
  const schema = Type.Object({ kind: Type.Union(['table', 'view', 'a"b\\c', 'line\u2028sep', 'tab\there', 'é😀'].map((v) => Type.Literal(v)), { description: 'what it is' }) })
  t.same(serializationSchema(schema).properties.kind, { type: 'string', enum: ['table', 'view', 'a"b\\c', 'line\u2028sep', 'tab\there', 'é😀'] })
  await sameBytes(t, schema, ['table', 'view', 'a"b\\c', 'line\u2028sep', 'tab\there', 'é😀'].map((kind) => ({ kind })))
})

t.test('unions of number, integer and boolean literals', async (t) => {
  const numbers = Type.Object({ n: Type.Union([Type.Literal(1), Type.Literal(-2.5), Type.Literal(1e21), Type.Literal(0)]) })
  t.same(serializationSchema(numbers).properties.n, { type: 'number', enum: [1, -2.5, 1e21, 0] })
  await sameBytes(t, numbers, [{ n: 1 }, { n: -2.5 }, { n: 1e21 }, { n: 0 }])
  const integers = { type: 'object', properties: { n: { anyOf: [{ const: 1, type: 'integer' }, { const: 2, type: 'integer' }] } } }
  t.same((serializationSchema(integers) as typeof integers).properties.n, { type: 'integer', enum: [1, 2] })
  await sameBytes(t, integers, [{ n: 1 }, { n: 2 }])
  const booleans = Type.Object({ b: Type.Union([Type.Literal(true), Type.Literal(false)]) })
  t.same(serializationSchema(booleans).properties.b, { type: 'boolean', enum: [true, false] })
  await sameBytes(t, booleans, [{ b: true }, { b: false }])
})

t.test('literal unions in arrays (the roles of a key) and a default beside the anyOf are kept', async (t) => {
  const schema = Type.Object({
    roles: Type.Array(Type.Union([Type.Literal('ORG_OWNER'), Type.Literal('ORG_MEMBER')]), { minItems: 1 }),
    type: Type.Union([Type.Literal('internal'), Type.Literal('hive')], { default: 'internal' })
  })
  const rewritten = serializationSchema(schema)
  t.same(rewritten.properties.roles.items, { type: 'string', enum: ['ORG_OWNER', 'ORG_MEMBER'] })
  t.same(rewritten.properties.type, { default: 'internal', type: 'string', enum: ['internal', 'hive'] })
  await sameBytes(t, schema, [{ roles: ['ORG_OWNER', 'ORG_MEMBER'], type: 'hive' }, { roles: [] }, { roles: Array(300).fill('ORG_MEMBER') }])
})

t.test('nullable strings (a cursor: pattern, maxLength; a date-time), numbers, integers, booleans', async (t) => {
  const cursor = Type.String({ maxLength: 2048, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)?$' })
  const schema = Type.Object({
    after: Type.Union([cursor, Type.Null()], { description: 'next page' }),
    at: Type.Union([Type.Null(), Type.String({ format: 'date-time' })]),
    size: Type.Union([Type.Number(), Type.Null()]),
    count: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    flag: Type.Union([Type.Boolean(), Type.Null()])
  })
  const rewritten = serializationSchema(schema)
  t.same(rewritten.properties.after, { maxLength: 2048, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)?$', type: ['string', 'null'] })
  t.same(rewritten.properties.at, { format: 'date-time', type: ['string', 'null'] })
  t.same(rewritten.properties.size, { type: ['number', 'null'] })
  t.same(rewritten.properties.count, { minimum: 0, type: ['integer', 'null'] })
  t.same(rewritten.properties.flag, { type: ['boolean', 'null'] })
  await sameBytes(t, schema, [
    { after: 'abc.def', at: '2024-01-02T03:04:05.678Z', size: 1.5, count: 3, flag: true },
    { after: null, at: null, size: null, count: null, flag: null },
    { after: 'x', at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), size: 0, count: 0, flag: false },
    { after: null, at: new Date(Date.UTC(-5, 0, 1)), size: -1e-7, count: 2 ** 53, flag: null }
  ])
})

t.test('a nullable object (the v2 DELETE answer) is an object or null; unions inside it are rewritten too', async (t) => {
  const entity = Type.Object({ id: Type.String(), kind: Type.Union([Type.Literal('a'), Type.Literal('b')]), note: Type.Optional(Type.Union([Type.String(), Type.Null()])) }, { additionalProperties: false, title: 'things' })
  const schema = Type.Object({ status: Type.String(), result: Type.Union([entity, Type.Null()]) })
  const rewritten = serializationSchema(schema)
  t.same(JSON.parse(JSON.stringify(rewritten.properties.result)), {
    additionalProperties: false,
    required: ['id', 'kind'],
    properties: { id: { type: 'string' }, kind: { type: 'string', enum: ['a', 'b'] }, note: { type: ['string', 'null'] } },
    type: ['object', 'null']
  })
  await sameBytes(t, schema, [{ status: '0', result: null }, { status: '0', result: { id: 'x', kind: 'b', note: null } }, { status: '0', result: { id: 'x', kind: 'a', note: 'n' } }])
})

t.test('what changes: a value the union refused (a 500) is written as the schema without the union writes it', async (t) => {
  const entity = Type.Object({ id: Type.String(), kind: Type.Union([Type.Literal('a'), Type.Literal('b')]) }, { additionalProperties: false })
  const schema = Type.Object({ result: Type.Union([entity, Type.Null()]) })
  const before = fastifySerializer(schema)
  const after = fastifySerializer(serializationSchema(schema))
  const plain = fastifySerializer(Type.Object({ result: Type.Object({ id: Type.String(), kind: Type.String() }, { additionalProperties: false }) }))
  for (const result of [{ id: 'x', kind: 'a', extra: 1 }, { id: 'x', kind: 'c' }]) {
    t.throws(() => before({ result }), /does not match schema definition/, `before: ${JSON.stringify(result)} matched no branch`)
    t.equal(after({ result }), plain({ result }), 'now: written as a plain object schema writes it (unknown fields dropped)')
  }
})

t.test('unions that need a validator, or whose rewrite could change an answer, are left as they are', async (t) => {
  const kept: Array<[string, unknown]> = [
    ['a union of objects', Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Number() })])],
    ['literals of mixed types', Type.Union([Type.Literal('a'), Type.Literal(1)])],
    ['several types', Type.Union([Type.String(), Type.Number()])],
    ['several types and null', Type.Union([Type.String(), Type.Number(), Type.Null()])],
    ['a constraint beside a literal', { anyOf: [{ const: 'a', type: 'string' }, { const: 'bb', type: 'string', maxLength: 1 }] }],
    ['a literal whose type disagrees', { anyOf: [{ const: 'a', type: 'integer' }, { const: 'b', type: 'string' }] }],
    ['a constraint beside the anyOf', { anyOf: [{ const: 'a' }, { const: 'b' }], maxLength: 1 }],
    ['a type beside the anyOf', { type: 'string', anyOf: [{ const: 'a' }, { const: 'b' }] }],
    ['a null literal', { anyOf: [{ const: 'a' }, { const: null }] }],
    ['an object literal', { anyOf: [{ const: { a: 1 } }, { const: { a: 2 } }] }],
    ['a non-finite number literal', { anyOf: [{ const: 1 }, { const: Infinity }] }],
    ['a nullable with a default in the branch', { anyOf: [{ type: 'string', default: 'x' }, { type: 'null' }] }],
    ['a nullable enum', { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'null' }] }],
    ['a nullable union', { anyOf: [{ anyOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'null' }] }],
    ['a nullable array', Type.Union([Type.Array(Type.String()), Type.Null()])],
    ['a nullable $ref', { anyOf: [{ $ref: 'Thing#' }, { type: 'null' }] }],
    ['a null branch with a constraint', { anyOf: [{ type: 'string' }, { type: 'null', not: {} }] }],
    ['a string constraint on a number', { anyOf: [{ type: 'number', maxLength: 2 }, { type: 'null' }] }],
    ['a oneOf', { oneOf: [{ const: 'a' }, { const: 'b' }] }],
    ['an empty anyOf', { anyOf: [] }]
  ]
  for (const [what, schema] of kept) t.equal(serializationSchema(schema), schema, what)
  const nested = Type.Object({ a: Type.Object({ b: Type.Union([Type.String(), Type.Number()]) }) })
  t.equal(serializationSchema(nested), nested, 'nothing to rewrite: the same object')
  const pointed = { type: 'object', properties: { a: { anyOf: [{ const: 'x' }, { const: 'y' }] }, b: { $ref: '#/properties/a/anyOf/0' } } }
  t.equal(serializationSchema(pointed), pointed, 'a $ref into an anyOf: the schema is left whole')
  const data = { type: 'object', properties: { default: { type: 'string' } }, default: { anyOf: [{ const: 'a' }] }, enum: [{ anyOf: [{ const: 'a' }] }] }
  t.equal(serializationSchema(data), data, 'values (default, enum) are data, not schemas')
  const named = { type: 'object', properties: { const: { anyOf: [{ const: 'a' }, { const: 'b' }] } } }
  t.same(serializationSchema(named), { type: 'object', properties: { const: { type: 'string', enum: ['a', 'b'] } } }, 'a property named like a keyword is a schema')
})

t.test('annotations are left out (the serializer does not read them); one its meta-schema refuses is kept, and fails the boot', async (t) => {
  const schema = Type.Object({
    name: Type.String({ description: 'the name', title: 'Name', examples: ['a'], deprecated: true, readOnly: true, writeOnly: false, $comment: 'c' }),
    kind: Type.Union([Type.Literal('a'), Type.Literal('b')], { description: 'kind', default: 'a' })
  }, { title: 'Thing', description: 'a thing', 'x-read-only': ['name'] })
  t.same(JSON.parse(JSON.stringify(serializationSchema(schema))), {
    'x-read-only': ['name'],
    type: 'object',
    required: ['name', 'kind'],
    properties: { name: { type: 'string' }, kind: { default: 'a', type: 'string', enum: ['a', 'b'] } }
  })
  await sameBytes(t, schema, [{ name: 'n', kind: 'b' }, { name: 'n' }])
  const badTitle = { type: 'object', title: 5, properties: { kind: { anyOf: [{ const: 'a', title: 6 }, { const: 'b' }] } } }
  t.same(serializationSchema(badTitle), badTitle, 'a title that is not a string is kept, and so is the union holding one')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  app.get('/bad', { schema: { response: { 200: badTitle } } }, async () => ({ kind: 'a' }))
  await t.rejects(async () => { await app.ready() }, /title/, 'the boot fails on it as before')
})

t.test('through the envelope: answers as before, validation and the route schema untouched, no Ajv instance for the answer', async (t) => {
  const Answer = Type.Object({
    kind: Type.Union([Type.Literal('table'), Type.Literal('view')]),
    after: Type.Union([Type.String({ maxLength: 10 }), Type.Null()])
  }, { additionalProperties: false })
  const schemaText = JSON.stringify(Answer)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  let schemaSeen: unknown
  app.addHook('onRoute', (route) => { if (route.url === '/t') schemaSeen = (route.schema?.response as Record<string, unknown>)['200'] })
  const answers = [{ kind: 'view', after: null }, { kind: 'table', after: 'abc', extra: 'dropped' }]
  app.get('/t', { schema: { querystring: Type.Object({ i: Type.Integer() }), response: { 200: Answer } } }, async (request) => answers[(request.query as { i: number }).i])
  app.post('/t', { schema: { body: Answer, response: { 200: Answer } } }, async (request) => request.body)
  // The validator's Ajv instances are shared with any compiler of the same configuration alive
  // in the process: one held here, so that the app's make none and the count is the serializers'.
  const standalone = createValidatorCompiler()
  const { count } = await countAjvInstances(async () => { await app.ready() })
  t.equal(count, 0, 'no Ajv instance for the serializers (and the validator\'s are shared)')
  t.ok(standalone)
  const expected = fastifySerializer(Answer)
  for (const i of [0, 1]) t.equal((await app.inject({ method: 'GET', url: `/t?i=${i}` })).body, expected(answers[i]), `answer ${i}: the bytes of Fastify's own serializer`)
  t.equal(JSON.stringify(schemaSeen), schemaText, 'the route keeps its schema (OpenAPI shows the union)')
  t.equal(JSON.stringify(Answer), schemaText)
  const refused = await app.inject({ method: 'POST', url: '/t', payload: { kind: 'chair', after: null } })
  t.equal(refused.statusCode, 400, 'a body outside the union is still refused')
  t.equal(refused.json().errorCode, 'INVALID_ATTRIBUTE')
  t.equal((await app.inject({ method: 'POST', url: '/t', payload: { kind: 'view', after: 'x'.repeat(11) } })).statusCode, 400, 'and a constraint of the nullable branch still applies')
})
