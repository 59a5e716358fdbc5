/**
 * Entity tags and preconditions (RFC 9110 §8.8.3, §13): `ETag` from the entity's version,
 * `If-Match` on writes, `If-None-Match` on reads.
 */
import type { FastifyRequest } from 'fastify'
import { PreconditionFailedError } from '../errors.js'
import type { StoredEntity } from './store.js'

/** The ETag of an entity version (RFC 9110 §8.8.3). */
export function etagOf (entity: Pick<StoredEntity, 'version'>): string {
  return `"${entity.version}"`
}

function tags (header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''))
}

/** The `If-Match` check of a write: throws 412 `PRECONDITION_FAILED` when the current entity's ETag is not listed. */
export function ifMatch (request: FastifyRequest): (existing: Pick<StoredEntity, 'version'>) => void {
  const header = request.headers['if-match']
  return (existing) => {
    if (header === undefined || header.trim() === '*') return
    const tag = etagOf(existing)
    if (!tags(header).includes(tag)) throw new PreconditionFailedError(header.slice(0, 100), tag)
  }
}

/** Whether an `If-None-Match` header value matches the entity (the GET then answers 304). */
export function noneMatch (header: string | undefined, entity: Pick<StoredEntity, 'version'>): boolean {
  if (header === undefined) return false
  const tag = etagOf(entity)
  return tags(header).some((t) => t === '*' || t === tag)
}
