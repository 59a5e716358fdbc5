/**
 * Validation of one resource's writes outside Fastify's request validation: create requests
 * made from code (seeding, imports), and the result of a PATCH, which must satisfy the
 * schema again (OpenMetadata "PATCH ... JSON Patch"; fast-json-patch safety rules in patch.ts).
 */
import type { FastifySchemaCompiler } from 'fastify'
import { attributeError, type AjvErrorLike } from '@platform-api/envelope'
import type { ResourceSchemas } from './define.js'
import { applyJsonPatch, applyMergePatch, type JsonPatchOperation } from './patch.js'

type Validate = ((data: unknown) => boolean) & { errors?: AjvErrorLike[] | null }

/** The media type family of a PATCH body. */
export type PatchKind = 'json-patch' | 'merge-patch'

/** Validates create requests and patch results of one resource. */
export class ResourceValidator {
  readonly #create: Validate
  readonly #patchable: Validate
  readonly #writable: ReadonlySet<string>
  readonly #readOnly: ReadonlySet<string>

  /**
   * @param compile a validator compiler with the suite's rules (`createValidatorCompiler()` of the envelope).
   * @param parentField the field naming the parent, read-only after create.
   */
  constructor (schemas: ResourceSchemas, compile: FastifySchemaCompiler<unknown>, parentField?: string) {
    this.#create = compile({ schema: schemas.create, httpPart: 'body', method: 'POST', url: '' }) as Validate
    this.#patchable = compile({ schema: schemas.patchable, httpPart: 'body', method: 'PATCH', url: '' }) as Validate
    this.#writable = new Set(schemas.writable)
    this.#readOnly = new Set([...schemas.readOnly, 'name', ...(parentField !== undefined ? [parentField] : [])])
  }

  /**
   * Validate a create request made from code (HTTP bodies are validated by the route).
   * @returns a validated copy with defaults applied.
   * @throws INVALID_ATTRIBUTE / MISSING_ATTRIBUTE (400).
   */
  create<T> (input: unknown): T {
    const copy = structuredClone(input)
    if (!this.#create(copy)) throw attributeError(this.#create.errors ?? [], 'body')
    return copy as T
  }

  /**
   * Apply a PATCH document to the writable fields of `current` and validate the result.
   * @returns the patched writable view.
   * @throws INVALID_PATCH, INVALID_ATTRIBUTE (400) for a read-only path or a result that breaks the schema.
   */
  patch (current: Readonly<Record<string, unknown>>, kind: PatchKind, document: unknown): Record<string, unknown> {
    const view: Record<string, unknown> = {}
    for (const f of this.#writable) if (current[f] !== undefined) view[f] = current[f]
    let patched: unknown
    if (kind === 'json-patch') {
      patched = applyJsonPatch(view, document as JsonPatchOperation[], this.#writable, this.#readOnly)
    } else {
      if (document !== null && typeof document === 'object' && !Array.isArray(document)) {
        for (const key of Object.keys(document)) {
          if (!this.#writable.has(key) && this.#readOnly.has(key)) {
            throw attributeError([{ keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: key }, parentSchema: { 'x-read-only': [key] } }], 'body')
          }
        }
      }
      patched = applyMergePatch(view, document)
    }
    if (!this.#patchable(patched)) throw attributeError(this.#patchable.errors ?? [], 'body')
    return patched as Record<string, unknown>
  }
}
