/**
 * Response schemas rewritten for serialization only (issue 12: startup).
 *
 * fast-json-stringify serializes an `anyOf` by trying each branch with Ajv at run time, so every
 * serializer whose schema holds one constructs its own Ajv instance (with ajv-formats) and compiles
 * the branches: a few milliseconds per response schema, at boot. TypeBox writes two everyday shapes
 * as `anyOf` although the value alone decides how it is written, with no validator:
 *
 * - a union of literals, `Type.Union([Type.Literal('a'), Type.Literal('b')])`:
 *   `{anyOf: [{const: 'a', type: 'string'}, {const: 'b', type: 'string'}]}` becomes
 *   `{type: 'string', enum: ['a', 'b']}`. Every literal is written as JSON writes it, so
 *   `"a"` by the string serializer is the `"a"` the const serializer wrote;
 * - a nullable field, `Type.Union([X, Type.Null()])` with X a string, number, integer, boolean
 *   or object schema: `{anyOf: [X, {type: 'null'}]}` becomes X with `type: [X.type, 'null']`,
 *   which fast-json-stringify writes as `null` for `null` and by X's serializer otherwise: the
 *   serializer the `anyOf` picked for the same values.
 *
 * The answer bytes of every value the original schema accepts are unchanged. What changes: a
 * value the original refused at serialization (a string outside the literals, or one failing
 * X's `pattern` or `maxLength`) was a 500 and is now written as it is, as fast-json-stringify
 * writes any value outside a union (it applies no validation keyword there). Answers come from
 * entities validated when written, so neither happens to a served entity.
 *
 * Any other `anyOf` (unions of objects, of several types, branches with `$ref`, `default`,
 * `enum` or combinators, sibling keywords other than annotations) is left as it is.
 *
 * Annotations (`title`, `description`, `$comment`, `examples`, `example`, `deprecated`,
 * `readOnly`, `writeOnly`) are left out: fast-json-stringify does not read them, and schemas
 * that differ only in them (a query parameter's description per collection) then share one
 * serializer. One of a type its meta-schema refuses (`title: 5`) is kept, so that the boot
 * still fails on it. The rewrite makes new objects along the changed paths and never modifies
 * the schema it is given: the route's schema (validation, OpenAPI) stays the original.
 *
 * @module
 */

/** Validation keywords of one primitive type: fast-json-stringify applies none of them, except `format` (kept). */
const CONSTRAINTS: Record<string, ReadonlySet<string>> = {
  string: new Set(['minLength', 'maxLength', 'pattern', 'format']),
  number: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  integer: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  boolean: new Set(),
  object: new Set(['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'propertyNames'])
}
/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'])
/** Keywords whose value is a schema (or, for `items`, an array of schemas). */
const SCHEMAS = new Set(['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties'])
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAYS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems'])

type SchemaObject = Record<string, unknown>

const isObject = (value: unknown): value is SchemaObject => value !== null && typeof value === 'object' && !Array.isArray(value)
/** Whether `key: value` is an annotation fast-json-stringify neither reads nor would refuse (its meta-schema's type). */
function droppable (key: string, value: unknown): boolean {
  switch (key) {
    case 'title': case 'description': case '$comment': return typeof value === 'string'
    case 'examples': return Array.isArray(value)
    case 'deprecated': case 'readOnly': case 'writeOnly': return typeof value === 'boolean'
    case 'example': return true
    default: return false
  }
}

/** Keywords that describe and never change how a value is written: annotations (see {@link droppable}) and `x-` extensions. */
const isAnnotation = (key: string, value: unknown): boolean => droppable(key, value) || key.startsWith('x-')

/** The JSON type of a literal the enum form can hold, or `undefined`. */
function literalType (value: unknown): 'string' | 'number' | 'boolean' | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as 'string' | 'boolean'
  if (typeof value === 'number' && Number.isFinite(value)) return 'number'
  return undefined
}

/** The node's own keywords besides `anyOf`, when all are annotations (or `default`, which the serializer reads from this node before and after). */
function siblingsOf (node: SchemaObject): SchemaObject | undefined {
  const siblings: SchemaObject = {}
  for (const key of Object.keys(node)) {
    if (key === 'anyOf') continue
    if (!isAnnotation(key, node[key]) && key !== 'default') return undefined
    siblings[key] = node[key]
  }
  return siblings
}

/** `{type, enum}` for an `anyOf` whose branches are all `const` of one primitive type. */
function literalUnion (branches: readonly unknown[], siblings: SchemaObject): SchemaObject | undefined {
  let type: 'string' | 'number' | 'boolean' | undefined
  let allInteger = true
  const values: unknown[] = []
  for (const branch of branches) {
    if (!isObject(branch) || !('const' in branch)) return undefined
    const t = literalType(branch.const)
    if (t === undefined || (type !== undefined && t !== type)) return undefined
    type = t
    for (const key of Object.keys(branch)) {
      if (key === 'const' || isAnnotation(key, branch[key])) continue
      if (key !== 'type') return undefined
      // a `type` beside `const` must agree with it (`integer` for a whole number)
      if (!(branch.type === t || (t === 'number' && branch.type === 'integer' && Number.isInteger(branch.const)))) return undefined
    }
    if (branch.type !== 'integer') allInteger = false
    values.push(branch.const)
  }
  if (type === undefined) return undefined
  return { ...siblings, type: type === 'number' && allInteger ? 'integer' : type, enum: values }
}

/** X with `type: [X.type, 'null']` for `anyOf: [X, {type: 'null'}]` (either order). */
function nullableUnion (branches: readonly unknown[], siblings: SchemaObject): SchemaObject | undefined {
  if (branches.length !== 2) return undefined
  const nullAt = branches.findIndex((b) => isObject(b) && b.type === 'null' && Object.keys(b).every((k) => k === 'type' || isAnnotation(k, b[k])))
  if (nullAt === -1) return undefined
  const value = branches[1 - nullAt]
  if (!isObject(value) || typeof value.type !== 'string') return undefined
  const allowed = CONSTRAINTS[value.type]
  if (allowed === undefined) return undefined
  const merged: SchemaObject = {}
  for (const key of Object.keys(value)) {
    if (key === 'type') continue
    if (!allowed.has(key) && !isAnnotation(key, value[key])) return undefined
    merged[key] = value[key]
  }
  return { ...merged, ...siblings, type: [value.type, 'null'] }
}

/** The serialization form of `node` when it is one of the two `anyOf` shapes, else `undefined`. */
function simplified (node: SchemaObject): SchemaObject | undefined {
  const branches = node.anyOf
  if (!Array.isArray(branches) || branches.length === 0) return undefined
  const siblings = siblingsOf(node)
  if (siblings === undefined) return undefined
  return literalUnion(branches, siblings) ?? nullableUnion(branches, siblings)
}

function rewriteArray (schemas: readonly unknown[]): readonly unknown[] {
  let copy: unknown[] | undefined
  schemas.forEach((schema, i) => {
    const rewritten = rewriteSchema(schema)
    if (rewritten !== schema) (copy ??= [...schemas])[i] = rewritten
  })
  return copy ?? schemas
}

function rewriteMap (map: SchemaObject): SchemaObject {
  let copy: SchemaObject | undefined
  for (const key of Object.keys(map)) {
    const rewritten = rewriteSchema(map[key])
    if (rewritten !== map[key]) (copy ??= { ...map })[key] = rewritten
  }
  return copy ?? map
}

function rewriteSchema (schema: unknown): unknown {
  if (!isObject(schema)) return schema
  const simple = simplified(schema)
  // without `anyOf` now; a nullable object's properties may hold further unions
  if (simple !== undefined) return rewriteSchema(simple)
  let copy: SchemaObject | undefined
  for (const key of Object.keys(schema)) {
    const value = schema[key]
    if (droppable(key, value)) {
      delete (copy ??= { ...schema })[key]
      continue
    }
    let rewritten: unknown = value
    if (SCHEMA_MAPS.has(key) && isObject(value)) rewritten = rewriteMap(value)
    else if (SCHEMA_ARRAYS.has(key) && Array.isArray(value)) rewritten = rewriteArray(value)
    else if (SCHEMAS.has(key)) rewritten = Array.isArray(value) ? rewriteArray(value) : rewriteSchema(value)
    if (rewritten !== value) (copy ??= { ...schema })[key] = rewritten
  }
  return copy ?? schema
}

/** Whether some local `$ref` of `schema` points inside an `anyOf` (which the rewrite may remove). */
function refersIntoAnyOf (schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(refersIntoAnyOf)
  if (!isObject(schema)) return false
  for (const key of Object.keys(schema)) {
    const value = schema[key]
    if (key === '$ref' && typeof value === 'string' && value.includes('/anyOf')) return true
    if (typeof value === 'object' && refersIntoAnyOf(value)) return true
  }
  return false
}

/**
 * The schema fast-json-stringify is given for a response schema: the same schema, with each
 * `anyOf` that needs no run-time validator (a union of literals of one primitive type; a
 * nullable string, number, integer, boolean or object) written without `anyOf`, and without
 * annotations (see the module comment). Unchanged parts are shared with `schema`, which is
 * never modified; a schema with a `$ref` into an `anyOf` is returned as it is.
 * @param schema - a JSON Schema (e.g. a TypeBox schema) of a response.
 * @returns a schema that serializes every value `schema` accepts to the same bytes.
 */
export function serializationSchema<T> (schema: T): T {
  if (!isObject(schema) || refersIntoAnyOf(schema)) return schema
  return rewriteSchema(schema) as T
}
