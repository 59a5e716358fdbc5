/**
 * Safe retries of POST: the `Idempotency-Key` request header
 * (draft-ietf-httpapi-idempotency-key-header, IETF httpapi working group).
 *
 * - The header is one RFC 8941 sf-string of 1 to {@link MAX_IDEMPOTENCY_KEY_LENGTH}
 *   characters (`Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`); anything else is 400
 *   (syntax: draft §2.1; the 400: §2.7).
 * - A key belongs to its principal (the API key): two API keys may use the same key.
 * - The first request with a key claims it in the store; its write and its answer are kept in
 *   ONE transaction, so a crash leaves either both or neither.
 * - A retry with the same key and the same request (fingerprint: SHA-256 of method, path and
 *   canonical body) replays the first answer (status, body, `Location`, `ETag`, `Retry-After`)
 *   without a second write, marked `Idempotent-Replayed: true`.
 * - The same key with another request: 422 `IDEMPOTENCY_KEY_REUSED` (draft §2.7).
 * - The same key while the first request is still in flight: 409 `IDEMPOTENCY_KEY_IN_USE` (§2.7).
 * - Only 2xx answers are kept. A 4xx or 5xx answer changed nothing; the key is released and a
 *   retry with the same key performs the request.
 * - Records expire after `lifetimeSeconds` (default 24 h): a later request with the key is new.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TSchema } from '@sinclair/typebox'
import { withHeaders } from '@platform-api/envelope'
import { parseItem } from 'structured-headers'
import { IdempotencyKeyInUseError, IdempotencyKeyMissingError, IdempotencyKeyReusedError, IdempotentAnswerNotKeptError, InvalidIdempotencyKeyError } from '../errors.js'
import type { IdempotencyAnswer, IdempotencyRecord, Store } from './store.js'

/** Longest key accepted, in characters (the draft sets no bound; a UUID is 36). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

/** Whether POST routes take `Idempotency-Key`: `optional` (default), `required` (400 without it), or `false` (the header is ignored). */
export type IdempotencyMode = 'optional' | 'required' | false

/** The settings of one registration (checked by the plugin). */
export interface IdempotencySettings {
  mode: IdempotencyMode
  /** How long a key is kept, in seconds. */
  lifetimeSeconds: number
  /** How long an in-flight request holds its key before a retry may take it over, in seconds. */
  lockSeconds: number
  /** Largest answer body kept for replay, in bytes of JSON. */
  maxAnswerBytes: number
  /** The time, in ms since the epoch. */
  now: () => number
}

/** What a handler answers (before the version's style wraps the body). */
export interface Answer {
  statusCode: number
  headers?: Record<string, string>
  body: unknown
  /** Why the body must not be kept (e.g. it holds a one-time secret). */
  notKept?: string
}

/** Headers of an answer that a replay repeats. */
const REPLAYED_HEADERS = ['location', 'etag', 'retry-after', 'content-location']

/** The header that marks a replayed answer (as Stripe's API does). */
export const REPLAYED_HEADER = 'idempotent-replayed'

/** The `headers` schema of a POST route that takes the key (OpenAPI: a header parameter). */
export function idempotencyHeaderSchema (mode: 'optional' | 'required', lifetimeSeconds: number): TSchema {
  return Type.Object({
    'idempotency-key': Type.Optional(Type.String({
      description: `${mode === 'required' ? 'Required. ' : ''}draft-ietf-httpapi-idempotency-key-header: an RFC 8941 string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324". A retry with the same key and body within ${lifetimeSeconds} s replays the first answer (Idempotent-Replayed: true) without a second write; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED; while the first request is in flight, 409 IDEMPOTENCY_KEY_IN_USE. Keys are per API key.`
    }))
  })
}

/** The documented 409 and 422 answers of such a route (the error format, as the `4xx` range). */
export function idempotencyResponses (errorRange: unknown): Record<string, TSchema> {
  const content = (errorRange as { content?: unknown }).content
  return {
    409: { description: 'Conflict, in the error format: e.g. IDEMPOTENCY_KEY_IN_USE (a request with this Idempotency-Key is in flight; retry later), IDEMPOTENT_ANSWER_NOT_KEPT, DUPLICATE_NAME', content } as unknown as TSchema,
    422: { description: 'Unprocessable Content, in the error format: IDEMPOTENCY_KEY_REUSED (this Idempotency-Key was used with another request)', content } as unknown as TSchema
  }
}

/**
 * Parse the header: one sf-string (RFC 8941 §3.3.3) without parameters.
 * @returns the key, or `undefined` when the header is absent.
 * @throws INVALID_IDEMPOTENCY_KEY (400).
 */
export function parseIdempotencyKey (header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (Array.isArray(header) || header.length > MAX_IDEMPOTENCY_KEY_LENGTH * 2 + 2) throw new InvalidIdempotencyKeyError(MAX_IDEMPOTENCY_KEY_LENGTH, 'one header of bounded length')
  let value: unknown
  let params: Map<string, unknown>
  try {
    [value, params] = parseItem(header) as [unknown, Map<string, unknown>]
  } catch {
    throw new InvalidIdempotencyKeyError(MAX_IDEMPOTENCY_KEY_LENGTH, 'not an RFC 8941 item (a key is a quoted string)')
  }
  if (typeof value !== 'string') throw new InvalidIdempotencyKeyError(MAX_IDEMPOTENCY_KEY_LENGTH, 'not a quoted string')
  if (params.size > 0) throw new InvalidIdempotencyKeyError(MAX_IDEMPOTENCY_KEY_LENGTH, 'parameters are not allowed')
  if (value.length < 1 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new InvalidIdempotencyKeyError(MAX_IDEMPOTENCY_KEY_LENGTH, `${value.length} characters`)
  return value
}

/** JSON with object keys sorted at every level: one text for one value, whatever the key order sent. */
function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** SHA-256 (hex) of the request's method, path (without the query) and canonical body. */
export function requestFingerprint (request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '/'
  const body = typeof request.body === 'string' ? JSON.stringify(request.body) : canonicalJson(request.body)
  return createHash('sha256').update(`${request.method}\n${path}\n${body}`).digest('hex')
}

/** Whether `store` keeps idempotency keys. */
export function keepsIdempotencyKeys (store: Store): boolean {
  return typeof store.claimIdempotencyKey === 'function' && typeof store.completeIdempotencyKey === 'function' && typeof store.releaseIdempotencyKey === 'function'
}

/** Send a kept answer again. @throws IDEMPOTENT_ANSWER_NOT_KEPT (409) when its body was not kept. */
async function replay (reply: FastifyReply, key: string, answer: IdempotencyAnswer): Promise<FastifyReply> {
  if (answer.notKept !== undefined || answer.body === undefined) {
    const location = answer.headers.location
    throw withHeaders(new IdempotentAnswerNotKeptError(key, location !== undefined ? `${answer.statusCode}, Location ${location}` : String(answer.statusCode), answer.notKept ?? 'not kept'), location !== undefined ? { location } : {})
  }
  reply.headers(answer.headers).header(REPLAYED_HEADER, 'true')
  return await reply.code(answer.statusCode).send(answer.body)
}

/**
 * Run a POST handler under the request's `Idempotency-Key`, if any.
 * @param run does the work, writing through the store it is given (a transaction that also keeps the answer).
 * @throws INVALID_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_MISSING (400); IDEMPOTENCY_KEY_REUSED (422);
 * IDEMPOTENCY_KEY_IN_USE, IDEMPOTENT_ANSWER_NOT_KEPT (409); whatever `run` throws.
 */
export async function idempotent (request: FastifyRequest, reply: FastifyReply, store: Store, settings: IdempotencySettings, run: (store: Store) => Promise<Answer>): Promise<FastifyReply> {
  const send = async (answer: Answer): Promise<FastifyReply> => {
    if (answer.headers !== undefined) reply.headers(answer.headers)
    return await reply.code(answer.statusCode).send(answer.body)
  }
  if (settings.mode === false || !keepsIdempotencyKeys(store)) return await send(await run(store))
  const key = parseIdempotencyKey(request.headers['idempotency-key'])
  if (key === undefined) {
    if (settings.mode === 'required') throw new IdempotencyKeyMissingError()
    return await send(await run(store))
  }
  const now = settings.now()
  const record: IdempotencyRecord = {
    scope: request.principal?.id ?? '',
    key,
    fingerprint: requestFingerprint(request),
    token: randomUUID(),
    lockedUntilMs: now + settings.lockSeconds * 1000,
    expiresAtMs: now + settings.lifetimeSeconds * 1000
  }
  const claim = store.claimIdempotencyKey as NonNullable<Store['claimIdempotencyKey']>
  const held = await claim.call(store, record, now)
  if (held !== undefined) {
    if (held.fingerprint !== record.fingerprint) throw new IdempotencyKeyReusedError(key)
    if (held.answer === undefined) throw withHeaders(new IdempotencyKeyInUseError(key), { 'retry-after': '1' })
    return await replay(reply, key, held.answer)
  }
  let answer: Answer
  try {
    answer = await store.transaction(async (tx) => {
      const done = await run(tx)
      if (done.statusCode < 200 || done.statusCode > 299) return done
      const headers: Record<string, string> = {}
      for (const name of REPLAYED_HEADERS) if (done.headers?.[name] !== undefined) headers[name] = done.headers[name]
      const text = done.notKept === undefined ? JSON.stringify(done.body) ?? 'null' : ''
      const notKept = done.notKept ?? (Buffer.byteLength(text) > settings.maxAnswerBytes ? `it is larger than ${settings.maxAnswerBytes} bytes` : undefined)
      const kept: IdempotencyAnswer = notKept !== undefined ? { statusCode: done.statusCode, headers, notKept } : { statusCode: done.statusCode, headers, body: JSON.parse(text) }
      const complete = tx.completeIdempotencyKey as NonNullable<Store['completeIdempotencyKey']>
      // The key was taken over meanwhile (this request outlived its lock): undo the write.
      if (!await complete.call(tx, record.scope, key, record.token, kept)) throw withHeaders(new IdempotencyKeyInUseError(key), { 'retry-after': '1' })
      return done
    })
  } catch (err) {
    await release(store, record, request)
    throw err
  }
  if (answer.statusCode < 200 || answer.statusCode > 299) await release(store, record, request)
  return await send(answer)
}

async function release (store: Store, record: IdempotencyRecord, request: FastifyRequest): Promise<void> {
  try {
    await (store.releaseIdempotencyKey as NonNullable<Store['releaseIdempotencyKey']>).call(store, record.scope, record.key, record.token)
  } catch (err) {
    // The lock lapses by itself; the client's answer is the original error.
    request.log.warn({ err }, 'could not release an idempotency key')
  }
}
