/**
 * Entity tags and preconditions exactly as RFC 9110 §8.8.3 and §13 say: `ETag` from the
 * entity's version (a strong tag); `If-Match` compared strongly (a weak tag never matches);
 * `If-None-Match` compared weakly; `*` matches any current representation and none when the
 * entity is absent. On GET and HEAD a matching `If-None-Match` is 304; on a write it is 412.
 * A write whose `If-Match` names an absent entity is 412 (it does not create it).
 */
import type { FastifyRequest } from 'fastify'
import { PreconditionFailedError } from '../errors.js'
import type { StoredEntity } from './store.js'

/** The ETag of an entity version (RFC 9110 §8.8.3). */
export function etagOf (entity: Pick<StoredEntity, 'version'>): string {
  return `"${entity.version}"`
}

/** One entity tag of a header: its opaque part with quotes, and whether it is weak. */
interface EntityTag { weak: boolean, opaque: string }

/**
 * The entity tags of an `If-Match` / `If-None-Match` value (RFC 9110 §13.1.1: `*` or a list of
 * entity-tags), or `'*'`; a malformed member is dropped (it can match nothing). Linear, no regex.
 */
export function parseEntityTags (header: string): EntityTag[] | '*' {
  if (header.trim() === '*') return '*'
  const out: EntityTag[] = []
  let i = 0
  const n = header.length
  while (i < n) {
    while (i < n && (header[i] === ' ' || header[i] === '\t' || header[i] === ',')) i++
    if (i >= n) break
    let weak = false
    if (header.startsWith('W/', i)) { weak = true; i += 2 }
    if (header[i] !== '"') { while (i < n && header[i] !== ',') i++; continue }
    const end = header.indexOf('"', i + 1)
    if (end < 0) break
    out.push({ weak, opaque: header.slice(i, end + 1) })
    i = end + 1
  }
  return out
}

/** Strong comparison (RFC 9110 §8.8.3.2): both strong and identical. */
function strongMatch (tags: EntityTag[], current: string): boolean {
  return tags.some((t) => !t.weak && t.opaque === current)
}

/** Weak comparison: opaque parts identical, whatever the W/ prefix. */
function weakMatch (tags: EntityTag[], current: string): boolean {
  return tags.some((t) => t.opaque === current)
}

function header (request: FastifyRequest, name: 'if-match' | 'if-none-match'): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * The preconditions of a write (PUT, PATCH, DELETE) on an existing entity: `If-Match` (strong)
 * and `If-None-Match` (weak; a match is 412 on a write, RFC 9110 §13.1.2).
 * @returns a check to call with the current entity; it throws 412 `PRECONDITION_FAILED`.
 *   `undefined` when the request has neither header (nothing to check).
 */
export function ifMatch (request: FastifyRequest): ((existing: Pick<StoredEntity, 'version'>) => void) | undefined {
  const match = header(request, 'if-match')
  const noneMatch = header(request, 'if-none-match')
  if (match === undefined && noneMatch === undefined) return undefined
  return (existing) => {
    const tag = etagOf(existing)
    if (match !== undefined) {
      const tags = parseEntityTags(match)
      if (tags !== '*' && !strongMatch(tags, tag)) throw new PreconditionFailedError(`If-Match: ${match.slice(0, 100)}`, tag)
    }
    if (noneMatch !== undefined) {
      const tags = parseEntityTags(noneMatch)
      if (tags === '*' || weakMatch(tags, tag)) throw new PreconditionFailedError(`If-None-Match: ${noneMatch.slice(0, 100)}`, tag)
    }
  }
}

/**
 * The preconditions of a write on an absent entity (PUT that would create): `If-Match` (even
 * `*`) is false when there is no current representation (RFC 9110 §13.1.1), so 412.
 */
export function ifAbsent (request: FastifyRequest): () => void {
  const match = header(request, 'if-match')
  return () => {
    if (match !== undefined) throw new PreconditionFailedError(`If-Match: ${match.slice(0, 100)}`, 'none: the entity does not exist')
  }
}

/**
 * The preconditions of a read (GET, HEAD) of an existing entity.
 * @returns `true` when `If-None-Match` matches (weak comparison): answer 304.
 * @throws 412 `PRECONDITION_FAILED` when `If-Match` is given and fails (strong comparison),
 *   evaluated first (RFC 9110 §13.2.2).
 */
export function readPreconditions (request: FastifyRequest, entity: Pick<StoredEntity, 'version'>): boolean {
  const tag = etagOf(entity)
  const match = header(request, 'if-match')
  if (match !== undefined) {
    const tags = parseEntityTags(match)
    if (tags !== '*' && !strongMatch(tags, tag)) throw new PreconditionFailedError(`If-Match: ${match.slice(0, 100)}`, tag)
  }
  const noneMatch = header(request, 'if-none-match')
  if (noneMatch === undefined) return false
  const tags = parseEntityTags(noneMatch)
  return tags === '*' || weakMatch(tags, tag)
}

/** Whether an `If-None-Match` header value matches the entity (weak comparison; the GET then answers 304). */
export function noneMatch (value: string | undefined, entity: Pick<StoredEntity, 'version'>): boolean {
  if (value === undefined) return false
  const tags = parseEntityTags(value)
  return tags === '*' || weakMatch(tags, etagOf(entity))
}
