import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import { Type } from '@sinclair/typebox'
import {
  CursorQuerySchema, ListResponseSchema, PagingSchema, decodeCursor, encodeCursor, parsePageRequest, type CursorKey
} from '../src/index.js'

const secret = randomBytes(32)
const keys: CursorKey[] = [
  ['default.tpch.orders', '6feb5287-f3c5-457f-86ae-95bcfb82e867'],
  [42, 'x'],
  ['日本語のテーブル', -1.5, 0],
  ['']
]

t.test('OpenMetadata cursor: encode/decode round trip without a secret', async (t) => {
  for (const key of keys) {
    const cursor = encodeCursor(key)
    t.match(cursor, /^[A-Za-z0-9_-]+$/, 'opaque base64url')
    t.same(decodeCursor(cursor), key)
  }
})

t.test('signed cursors: round trip with the secret; refused without it or with another', async (t) => {
  for (const key of keys) {
    const cursor = encodeCursor(key, secret)
    t.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/, 'payload.tag (128-bit tag)')
    t.same(decodeCursor(cursor, secret), key)
    t.throws(() => decodeCursor(cursor), { code: 'INVALID_CURSOR', statusCode: 400 }, 'signed, decoded without a secret')
    t.throws(() => decodeCursor(cursor, randomBytes(32)), { code: 'INVALID_CURSOR' }, 'another secret')
  }
  t.throws(() => decodeCursor(encodeCursor(['a']), secret), { code: 'INVALID_CURSOR' }, 'unsigned where a signature is required')
})

t.test('a client cannot forge a signed cursor by editing its payload or tag', async (t) => {
  const cursor = encodeCursor(['orders', 'id-1'], secret)
  const [payload = '', tag = ''] = cursor.split('.')
  const forgedPayload = Buffer.from(JSON.stringify(['orders', 'id-0']), 'utf8').toString('base64url')
  t.throws(() => decodeCursor(`${forgedPayload}.${tag}`, secret), { code: 'INVALID_CURSOR' })
  const flipped = tag.slice(0, -1) + (tag.endsWith('A') ? 'B' : 'A')
  t.throws(() => decodeCursor(`${payload}.${flipped}`, secret), { code: 'INVALID_CURSOR' })
  t.throws(() => decodeCursor(`${payload}.${tag.slice(0, 10)}`, secret), { code: 'INVALID_CURSOR' }, 'truncated tag')
})

t.test('decodeCursor refuses garbage, oversized and non-key cursors with INVALID_CURSOR', async (t) => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
  const cases: Record<string, string> = {
    empty: '',
    'not base64url': 'abc+/=',
    'three parts': 'a.b.c',
    'not JSON': Buffer.from('orders', 'utf8').toString('base64url'),
    'oversized': 'a'.repeat(2049),
    'an object': encode({ id: 1 }),
    'an empty array': encode([]),
    'a nested array': encode([['a']]),
    'a null part': encode(['a', null]),
    'a boolean part': encode([true])
  }
  for (const [name, cursor] of Object.entries(cases)) {
    t.throws(() => decodeCursor(cursor), { code: 'INVALID_CURSOR', statusCode: 400 }, name)
  }
  t.throws(() => decodeCursor('a'.repeat(2049)), { message: /longer than 2048 characters/ })
})

t.test('encodeCursor refuses what is not a sort key, and keys too long for a cursor', async (t) => {
  for (const key of [[], [null], [Number.NaN], [Infinity], [['a']], [{}]]) {
    t.throws(() => encodeCursor(key as unknown as CursorKey), TypeError, JSON.stringify(key))
  }
  t.throws(() => encodeCursor(['x'.repeat(1600)]), RangeError)
  t.ok(encodeCursor(['x'.repeat(1031)], secret).length <= 2048, 'a 4-level fullyQualifiedName of 256-character names fits')
})

t.test('parsePageRequest: defaults, bounds, both cursors, parameters naming the query field', async (t) => {
  t.same(parsePageRequest({}), { limit: 10 })
  t.same(parsePageRequest({ limit: 1000 }), { limit: 1000 })
  t.same(parsePageRequest({ limit: '25' as unknown as number }), { limit: 25 }, 'querystring without a schema')
  t.same(parsePageRequest({}, { defaultLimit: 3, maxLimit: 5 }), { limit: 3 })
  t.same(parsePageRequest({}, { maxLimit: 5 }), { limit: 5 }, 'defaultLimit never above maxLimit')
  t.same(parsePageRequest({ after: encodeCursor(['b', 2], secret) }, { secret }), { limit: 10, after: ['b', 2] })
  t.same(parsePageRequest({ before: encodeCursor(['b', 2]) }), { limit: 10, before: ['b', 2] })
  for (const limit of [0, 1001, 2.5, -1, '1e3', 'ten', null]) {
    t.throws(() => parsePageRequest({ limit: limit as number }), {
      code: 'INVALID_PAGINATION', statusCode: 400, parameters: ['limit'], message: /limit must be an integer from 1 to 1000/
    }, String(limit))
  }
  t.throws(() => parsePageRequest({ limit: 6 }, { maxLimit: 5 }), { code: 'INVALID_PAGINATION', message: /from 1 to 5/ })
  t.throws(() => parsePageRequest({ before: encodeCursor(['a']), after: encodeCursor(['b']) }), {
    code: 'INVALID_PAGINATION', parameters: ['before', 'after']
  })
  t.throws(() => parsePageRequest({ after: 'garbage!' }), { code: 'INVALID_CURSOR', parameters: ['after'] })
  t.throws(() => parsePageRequest({ before: encodeCursor(['a']) }, { secret }), { code: 'INVALID_CURSOR', parameters: ['before'] })
  t.throws(() => parsePageRequest({}, { defaultLimit: 11, maxLimit: 10 }), { code: 'PAGINATION_INVALID_OPTION' })
})

t.test('PagingSchema: before/after string or null, total a non-negative integer, nothing else', async (t) => {
  t.ok(Value.Check(PagingSchema, { before: null, after: 'abc', total: 0 }))
  t.ok(Value.Check(PagingSchema, { before: 'x', after: null, total: 25 }))
  t.notOk(Value.Check(PagingSchema, { before: null, after: null, total: -1 }))
  t.notOk(Value.Check(PagingSchema, { before: null, after: null, total: 1.5 }))
  t.notOk(Value.Check(PagingSchema, { after: null, total: 1 }), 'before is required (null at the start)')
  t.notOk(Value.Check(PagingSchema, { before: null, after: null, total: 1, next: 'x' }))
})

t.test('ListResponseSchema: {data: item[], paging}', async (t) => {
  const schema = ListResponseSchema(Type.Object({ name: Type.String() }))
  t.ok(Value.Check(schema, { data: [{ name: 'a' }], paging: { before: null, after: null, total: 1 } }))
  t.notOk(Value.Check(schema, { data: [{ name: 1 }], paging: { before: null, after: null, total: 1 } }))
  t.notOk(Value.Check(schema, { data: [] }))
})

t.test('CursorQuerySchema: limit 1..maxLimit with its default; cursors 1..2048 characters', async (t) => {
  const schema = CursorQuerySchema({ defaultLimit: 5, maxLimit: 50 })
  t.match(schema.properties.limit, { type: 'integer', minimum: 1, maximum: 50, default: 5 })
  t.match(schema.properties.after, { type: 'string', minLength: 1, maxLength: 2048 })
  t.match(schema.properties.before, { type: 'string', minLength: 1, maxLength: 2048 })
  t.match(CursorQuerySchema().properties.limit, { maximum: 1000, default: 10 })
  for (const options of [{ defaultLimit: 0 }, { maxLimit: 0 }, { defaultLimit: 60, maxLimit: 50 }, { maxLimit: 2.5 }]) {
    t.throws(() => CursorQuerySchema(options), { code: 'PAGINATION_INVALID_OPTION' }, JSON.stringify(options))
  }
})

t.test('scoped cursors: accepted for their own scope only, whatever the order scopes come in (the last scope\'s tag is kept)', async (t) => {
  const { createHash } = await import('node:crypto')
  const { decodeScopedCursor, encodeScopedCursor, scopeTag } = await import('../src/index.js')
  const scopes = ['["tables","fullyQualifiedName",[]]', '["tables","fullyQualifiedName",[["tableType","view"]]]', '["columns","fullyQualifiedName",[]]']
  for (const order of [[0, 0, 1, 1, 2, 0], [2, 1, 0, 2, 2, 1]]) {
    for (const i of order) {
      const scope = scopes[i] as string
      t.equal(scopeTag(scope), createHash('sha256').update(scope, 'utf8').digest().subarray(0, 8).toString('base64url'), `tag of scope ${i}`)
      const cursor = encodeScopedCursor({ key: ['default.tpch.orders'], id: 'id-1' }, scope, secret)
      t.same(decodeScopedCursor(cursor, scope, secret), { key: ['default.tpch.orders'] })
      const other = scopes[(i + 1) % scopes.length] as string
      t.throws(() => decodeScopedCursor(cursor, other, secret), { code: 'INVALID_CURSOR', message: /another collection, sort or filter/ }, `scope ${i} cursor refused for another scope`)
      t.same(decodeScopedCursor(cursor, scope, secret), { key: ['default.tpch.orders'] }, 'and accepted again for its own')
    }
  }
})
