/**
 * Turn Ajv errors into one client-facing error naming the field by JSON Pointer
 * (RFC 6901), with a "did you mean" for a misspelt field (YugabyteDB seed, "Invalid Fields").
 */
import { closest, distance } from 'fastest-levenshtein'
import { InvalidAttributeError, MissingAttributeError } from '../errors.js'

/** The subset of an Ajv `ErrorObject` (with `verbose: true`) this module reads. */
export interface AjvErrorLike {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
  parentSchema?: Record<string, unknown>
  /** The data at `instancePath` (Ajv `verbose: true`). */
  data?: unknown
}

/** A client error with the fields it names, rendered by the envelope. */
export type AttributeError = Error & { code: string; statusCode: number; parameters: string[] }

/** Escape one JSON Pointer reference token (RFC 6901 §3). */
export function escapePointer (token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

function suggest (field: string, schema: Record<string, unknown> | undefined): string {
  const properties = schema?.properties
  if (properties == null || typeof properties !== 'object') return ''
  const names = Object.keys(properties)
  if (names.length === 0) return ''
  const best = closest(field, names)
  // Two edits (e.g. a transposition, "titel") for names of four characters or more.
  const limit = field.length >= 4 ? Math.max(2, Math.floor(field.length / 3)) : 1
  return distance(field, best) <= limit ? `; did you mean "${best}"?` : ''
}

/**
 * Ajv checks `required` before `additionalProperties` and (with `allErrors: false`) stops at the
 * first error, so a misspelt required field would be reported only as missing. When the object
 * that misses a field also holds fields its schema does not know, report those first: the
 * misspelling, with its "did you mean".
 */
function withUnknownFieldsFirst (errors: readonly AjvErrorLike[]): readonly AjvErrorLike[] {
  const first = errors[0]
  if (first === undefined || first.keyword !== 'required' || first.parentSchema?.additionalProperties !== false) return errors
  const data = first.data
  const properties = first.parentSchema.properties
  if (data === null || typeof data !== 'object' || Array.isArray(data) || properties === null || typeof properties !== 'object') return errors
  const unknown = Object.keys(data).filter((k) => !Object.hasOwn(properties, k))
  if (unknown.length === 0) return errors
  const extra: AjvErrorLike[] = unknown.map((field) => ({ keyword: 'additionalProperties', instancePath: first.instancePath, params: { additionalProperty: field }, parentSchema: first.parentSchema }))
  return [...extra, ...errors]
}

function where (context: string): string {
  return context === 'body' ? '' : ` in the ${context === 'querystring' ? 'query string' : context}`
}

/**
 * Build the error a client sees for a failed validation.
 * @param errors Ajv errors (from `error.validation`), at least one.
 * @param context Fastify's `validationContext`: `body`, `querystring`, `params`, `headers`.
 * @returns an `INVALID_ATTRIBUTE` (or `MISSING_ATTRIBUTE`) error whose `parameters` are the
 *   JSON Pointers of the offending fields; `detail` describes the first problem and counts the rest.
 */
export function attributeError (errors: readonly AjvErrorLike[], context: string): AttributeError {
  const messages: string[] = []
  const pointers: string[] = []
  let missingOnly = true
  for (const e of withUnknownFieldsFirst(errors)) {
    // `if`/`anyOf` wrappers repeat what their branches said.
    if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      if (errors.length > 1) continue
    }
    let pointer = e.instancePath || ''
    let text: string
    if (e.keyword === 'additionalProperties') {
      const field = String(e.params.additionalProperty)
      pointer = `${pointer}/${escapePointer(field)}`
      const readOnly = e.parentSchema?.['x-read-only']
      text = Array.isArray(readOnly) && readOnly.includes(field)
        ? `Field "${pointer}" is read-only and cannot be set`
        : `Unknown field "${pointer}"${where(context)}${suggest(field, e.parentSchema)}`
      missingOnly = false
    } else if (e.keyword === 'required') {
      pointer = `${pointer}/${escapePointer(String(e.params.missingProperty))}`
      text = `Missing required field "${pointer}"${where(context)}`
    } else {
      missingOnly = false
      const subject = pointer === '' ? (context === 'body' ? 'The request body' : `The ${context}`) : `Field "${pointer}"${where(context)}`
      text = `${subject} ${e.message ?? 'is invalid'}`
    }
    if (!pointers.includes(pointer || '/')) {
      pointers.push(pointer || '/')
      messages.push(text)
    }
  }
  if (messages.length === 0) messages.push('The request is invalid')
  const extra = messages.length > 1 ? ` (and ${messages.length - 1} more: ${messages.slice(1).join('; ')})` : ''
  const detail = messages[0] + extra
  const err = (missingOnly ? new MissingAttributeError(detail) : new InvalidAttributeError(detail)) as AttributeError
  err.parameters = pointers
  return err
}
