/**
 * Issue 11, "fast-check property tests for validation, both patch formats, the Digest header
 * parser and the cursor codec": for any input, a value or a coded 4xx, never a crash, never a
 * changed argument, never a polluted Object.prototype.
 */
import t from 'tap'
import fc from 'fast-check'
import { createValidatorCompiler, exceedsJsonDepth, normalizeName, NAME_FORBIDDEN } from '@platform-api/envelope'
import { decodeCursor, decodeScopedCursor, encodeCursor, encodeScopedCursor, MAX_CURSOR_LENGTH } from '@platform-api/pagination'
import { applyJsonPatch, applyMergePatch, NameSchema, withNameRule } from '@platform-api/resources'
import { Type } from '@sinclair/typebox'
import { parseAuthHeader, quote } from '../../packages/auth/src/lib/digest/parse.js'

const RUNS = 300
const protoNames = (): string => Object.getOwnPropertyNames(Object.prototype).sort().join()
const coded4xx = (err: unknown): boolean => { const e = err as { statusCode?: number, code?: string }; return typeof e.code === 'string' && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 }
const hostileKey = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'version', 'name', 'description'))
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }))
})).value

t.test('validation: names through the name rule are NFC without forbidden characters, or refused with 400', async (t) => {
  const compile = createValidatorCompiler()
  const validate = compile({ schema: Type.Object({ name: withNameRule(Type.String({ minLength: 1, maxLength: 256 })) }, { additionalProperties: false }), httpPart: 'body', method: 'POST', url: '' }) as (d: unknown) => boolean
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (name) => {
    const body = { name }
    const ok = validate(body)
    if (ok) return body.name === body.name.normalize('NFC') && !NAME_FORBIDDEN.test(body.name)
    return normalizeName(name) === undefined || name.length === 0 || name.length > 256
  }), { numRuns: RUNS * 3 })
  const strict = compile({ schema: Type.Object({ name: NameSchema }, { additionalProperties: false }), httpPart: 'body', method: 'POST', url: '' }) as (d: unknown) => boolean
  fc.assert(fc.property(json, (body) => { strict(body); return true }), { numRuns: RUNS })
  t.pass('properties hold')
})

t.test('validation: the depth walk agrees with a recursive measure, without recursion', async (t) => {
  const depth = (v: unknown): number => v === null || typeof v !== 'object' ? 0 : 1 + Math.max(0, ...Object.values(v as object).map(depth))
  fc.assert(fc.property(json, fc.integer({ min: 1, max: 6 }), (v, max) => exceedsJsonDepth(v, max) === (depth(v) > max)), { numRuns: RUNS })
  t.notOk(exceedsJsonDepth(JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)), 1e6), '200,000 levels walked without a stack overflow')
})

t.test('merge patch (RFC 7396): a value or a 4xx; arguments unchanged; idempotent; Object.prototype untouched', async (t) => {
  const before = protoNames()
  fc.assert(fc.property(json, json, (target, patch) => {
    const t0 = JSON.stringify(target)
    const p0 = JSON.stringify(patch)
    let once: unknown
    try { once = applyMergePatch(target, patch) } catch (err) { return coded4xx(err) && JSON.stringify(target) === t0 }
    const twice = applyMergePatch(once, patch)
    return JSON.stringify(target) === t0 && JSON.stringify(patch) === p0 && JSON.stringify(twice) === JSON.stringify(once)
  }), { numRuns: RUNS })
  t.equal(protoNames(), before)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

t.test('JSON Patch (RFC 6902): a value or a 4xx; the document unchanged; Object.prototype untouched', async (t) => {
  const before = protoNames()
  const pointer = fc.oneof(fc.constantFrom('', '/', '/description', '/language', '/__proto__', '/constructor/prototype', '/description/0', '/a~1b', '/~2', 'nope'), fc.string().map((s) => `/${s}`))
  const op = fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'), path: pointer, from: fc.option(pointer, { nil: undefined }), value: fc.option(json, { nil: undefined }) }, { requiredKeys: ['op', 'path'] })
  const writable = new Set(['description', 'language', 'category'])
  const readOnly = new Set(['id', 'name', 'version'])
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('description', 'language', 'category'), json), fc.array(op, { maxLength: 5 }), (doc, ops) => {
    const d0 = JSON.stringify(doc)
    try { applyJsonPatch(doc, ops.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))) as never, writable, readOnly) } catch (err) { if (!coded4xx(err)) throw err }
    return JSON.stringify(doc) === d0
  }), { numRuns: RUNS })
  t.equal(protoNames(), before)
})

t.test('Digest header parser: any string parses or is refused (undefined), never throws; parameters round-trip through quote', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => { const r = parseAuthHeader(s); return r === undefined || Array.isArray(r) }), { numRuns: RUNS * 3 })
  fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), (username, nonce) => {
    const parsed = parseAuthHeader(`Digest username=${quote(username)}, nonce=${quote(nonce)}, qop=auth`)
    return parsed === undefined ? /[\x00-\x08\x0a-\x1f\x7f]/.test(username + nonce) : parsed[0]?.params.username === username && parsed[0]?.params.nonce === nonce
  }), { numRuns: RUNS })
  t.pass('properties hold')
})

t.test('cursor codec: round trip within the cap; any other string is INVALID_CURSOR; scopes do not mix', async (t) => {
  const secret = Buffer.alloc(32, 3)
  const key = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 4 })
  fc.assert(fc.property(key, fc.uuid(), fc.string(), fc.string(), (k, id, scope, other) => {
    const cursor = encodeScopedCursor({ key: k, id }, scope, secret)
    if (cursor.length > MAX_CURSOR_LENGTH) return false
    const back = decodeScopedCursor(cursor, scope, secret)
    const same = back.key !== undefined ? JSON.stringify(back.key) === JSON.stringify(k) : back.id === id
    let refused = scope === other
    try { decodeScopedCursor(cursor, other, secret) } catch (err) { refused = (err as { code?: string }).code === 'INVALID_CURSOR' }
    return same && refused
  }), { numRuns: RUNS })
  fc.assert(fc.property(fc.string({ maxLength: 3000 }), (s) => {
    for (const decode of [() => decodeCursor(s, secret), () => decodeScopedCursor(s, 'x', secret)]) {
      try { decode() } catch (err) { if ((err as { code?: string }).code !== 'INVALID_CURSOR') return false }
    }
    return true
  }), { numRuns: RUNS })
  fc.assert(fc.property(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 3 }), (k) => JSON.stringify(decodeCursor(encodeCursor(k, secret), secret)) === JSON.stringify(k)), { numRuns: RUNS })
})
