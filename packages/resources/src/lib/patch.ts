/**
 * PATCH documents: JSON Patch (RFC 6902, `application/json-patch+json`) as OpenMetadata uses,
 * and JSON Merge Patch (RFC 7396, `application/merge-patch+json`) for partial documents.
 *
 * fast-json-patch 3.1.1 can still pollute `Object.prototype` through `copy` from
 * `/constructor` when validation is off, so: operations are validated, `__proto__`,
 * `constructor` and `prototype` segments are refused in `path` and `from`, the patch is
 * applied to a clone, and the result is validated against the resource's schema again.
 */
import fastJsonPatch from 'fast-json-patch'
import { DEFAULT_MAX_JSON_DEPTH, exceedsJsonDepth, InvalidAttributeError, JsonTooDeepError, withParameters } from '@platform-api/envelope'
import { InvalidPatchError } from '../errors.js'
import { copyJson } from './json-copy.js'

const { applyPatch, JsonPatchError } = fastJsonPatch as unknown as typeof import('fast-json-patch')

/** One RFC 6902 operation as received. */
export interface JsonPatchOperation { op: string, path: string, from?: string, value?: unknown }

/** Media types for PATCH. */
export const JSON_PATCH = 'application/json-patch+json'
export const MERGE_PATCH = 'application/merge-patch+json'

/** The body schema of a JSON Patch document, at most `maxOperations` operations. */
export function jsonPatchSchema (maxOperations: number): Record<string, unknown> {
  return {
    type: 'array',
    maxItems: maxOperations,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['op', 'path'],
      properties: {
        op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
        path: { type: 'string', maxLength: 1024 },
        from: { type: 'string', maxLength: 1024 },
        value: {}
      }
    }
  }
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

function segments (pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new InvalidPatchError(`"${pointer.slice(0, 100)}" is not a JSON Pointer (RFC 6901): it must start with "/"`)
  const parts = pointer.slice(1).split('/')
  // RFC 6901 §4: `~1` is `/`, then `~0` is `~` (most pointers have neither).
  return pointer.includes('~') ? parts.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : parts
}

function checkPointer (pointer: string, writable: ReadonlySet<string>, readOnly: ReadonlySet<string>): void {
  const segs = segments(pointer)
  for (const s of segs) {
    if (FORBIDDEN.has(s)) throw new InvalidPatchError(`Path "${pointer.slice(0, 100)}" names a forbidden segment "${s}"`)
  }
  const top = segs[0]
  if (top === undefined) throw new InvalidPatchError('An operation on the whole document ("") is not allowed; name a field')
  if (!writable.has(top) && readOnly.has(top)) {
    throw withParameters(new InvalidAttributeError(`Field "/${top}" is read-only and cannot be patched`), [`/${top}`])
  }
}

/**
 * Apply a JSON Patch to a copy of `document`.
 * @param writable top-level fields a patch may touch; @param readOnly fields named as read-only in errors.
 * @returns the patched copy (still to be validated by the caller).
 * @throws INVALID_PATCH (400) for a malformed or failing patch; INVALID_ATTRIBUTE (400) for a read-only path.
 */
export function applyJsonPatch (document: Record<string, unknown>, operations: readonly JsonPatchOperation[], writable: ReadonlySet<string>, readOnly: ReadonlySet<string>): Record<string, unknown> {
  // Before fast-json-patch (recursive deep clone and compare) sees a value.
  if (exceedsJsonDepth(operations, PATCH_MAX_DEPTH) || exceedsJsonDepth(document, PATCH_MAX_DEPTH)) throw new JsonTooDeepError(String(PATCH_MAX_DEPTH))
  for (const op of operations) {
    checkPointer(op.path, writable, readOnly)
    if (op.op === 'move' || op.op === 'copy') {
      if (typeof op.from !== 'string') throw new InvalidPatchError(`Operation "${op.op}" needs "from"`)
      checkPointer(op.from, writable, readOnly)
    }
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      throw new InvalidPatchError(`Operation "${op.op}" at "${op.path.slice(0, 100)}" needs "value"`)
    }
  }
  const copy = copyJson(document)
  try {
    applyPatch(copy, operations as never, true, true, true)
  } catch (err) {
    if (err instanceof JsonPatchError) {
      const reason = err.name === 'TEST_OPERATION_FAILED' ? 'a "test" operation failed' : err.message.split('\n', 1)[0]
      throw new InvalidPatchError(`The patch cannot be applied: ${reason}`)
    }
    throw err
  }
  return copy
}

/**
 * Deepest patch document (and patched value) accepted, in levels, checked without recursion
 * before any recursive code runs: the envelope's default body limit.
 */
export const PATCH_MAX_DEPTH = DEFAULT_MAX_JSON_DEPTH

/**
 * RFC 7396 JSON Merge Patch: `null` removes, objects merge recursively, anything else replaces.
 * @returns a new value; neither argument is changed.
 * @throws JSON_TOO_DEEP (400) when the patch or the target nests deeper than {@link PATCH_MAX_DEPTH}.
 */
export function applyMergePatch (target: unknown, patch: unknown): unknown {
  if (exceedsJsonDepth(patch, PATCH_MAX_DEPTH) || exceedsJsonDepth(target, PATCH_MAX_DEPTH)) throw new JsonTooDeepError(String(PATCH_MAX_DEPTH))
  return mergePatch(target, patch)
}

function mergePatch (target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return copyJson(patch)
  const base: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {}
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (FORBIDDEN.has(key)) throw new InvalidPatchError(`Field "${key}" is forbidden`)
    if (value === null) delete base[key]
    else base[key] = mergePatch(base[key], value)
  }
  return base
}
