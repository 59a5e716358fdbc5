/**
 * The compatibility guard of an API version: compare the OpenAPI document the code generates now
 * with the one committed for that version (a snapshot) and classify every difference as
 * **breaking** (a client written against the snapshot may fail) or **compatible** (additions and
 * relaxations, which the YugabyteDB seed allows within a version: "the API might add new fields
 * … without incrementing the API version"). The rules are listed in `docs/compatibility.md`.
 *
 * Written for the documents `@fastify/swagger` makes from TypeBox schemas (OpenAPI 3.1, JSON
 * Schema 2020-12): `const` and `anyOf` of single-value enums are read as an enum, `anyOf` with a
 * `{ type: 'null' }` branch as a nullable type, local `$ref`s are resolved before comparing.
 * No OpenAPI diff library on npm classified these rules (see `docs/compatibility.md`).
 */

/** One difference between two documents. */
export interface ApiChange {
  /** `breaking`: a client of the snapshot may fail; `compatible`: an addition or a relaxation. */
  kind: 'breaking' | 'compatible'
  /** A stable name of the rule, e.g. `response-property-removed`. */
  rule: string
  /**
   * JSON Pointer (RFC 6901) of the place: for a breaking change into the snapshot (the older
   * document), for an addition into the newer document. Paths through a `$ref` follow the
   * resolved tree.
   */
  pointer: string
  /** One sentence for a person. */
  message: string
}

/** What {@link compareApiDocuments} found. */
export interface ApiComparison {
  breaking: ApiChange[]
  compatible: ApiChange[]
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = Record<string, Json>
type Direction = 'request' | 'response'

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** Escape one reference token of a JSON Pointer (RFC 6901 §3: `~` as `~0`, `/` as `~1`). */
export function pointerToken (token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * A copy of `value` with the keys of every object in sorted (code unit) order and every
 * `required` array sorted (a set in JSON Schema); other arrays keep their order (`enum`,
 * `anyOf`, `parameters`, `tags` read in the order the code declares them). `JSON.stringify` of
 * the result is the same for two documents that differ only in key order, so a committed
 * snapshot's diff shows only real changes.
 */
export function sortKeysDeep<T> (value: T): T {
  const walk = (node: unknown, key: string | undefined): unknown => {
    if (Array.isArray(node)) {
      const items = node.map((item) => walk(item, undefined))
      return key === 'required' && items.every((item) => typeof item === 'string') ? [...(items as string[])].sort() : items
    }
    if (node === null || typeof node !== 'object') return node
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(node).sort()) out[k] = walk((node as Record<string, unknown>)[k], k)
    return out
  }
  return walk(value, undefined) as T
}

/**
 * A copy of `document` with every local `$ref` (`#/components/...`) replaced by what it points
 * at. A reference cycle is left as the `$ref` at the point it repeats.
 * @throws Error for a `$ref` that points nowhere or outside the document.
 */
export function resolveLocalRefs<T> (document: T): T {
  const root = document as unknown as Json
  const lookup = (ref: string): Json => {
    if (!ref.startsWith('#/')) throw new Error(`Only local $ref are supported: ${ref}`)
    let node: Json = root
    for (const raw of ref.slice(2).split('/')) {
      const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) throw new Error(`$ref points nowhere: ${ref}`)
      node = (node as Record<string, Json>)[token] as Json
    }
    return node
  }
  const walk = (node: Json, seen: readonly string[]): Json => {
    if (Array.isArray(node)) return node.map((item) => walk(item, seen))
    if (node === null || typeof node !== 'object') return node
    const ref = node.$ref
    if (typeof ref === 'string') {
      if (seen.includes(ref)) return node
      const { $ref: _ref, ...siblings } = node
      const target = walk(lookup(ref), [...seen, ref])
      return target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target, ...walk(siblings, seen) as JsonObject } : target
    }
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, seen)
    return out
  }
  return walk(root, []) as unknown as T
}

/** A schema as the comparison reads it: type set, enum set, and the rest. */
interface Shape {
  types: Set<string> | undefined
  enumValues: Map<string, Json> | undefined
  schema: JsonObject
  /** `anyOf`/`oneOf` branches that are not an enum or a nullable wrapper. */
  branches: JsonObject[] | undefined
  /** Where `branches` sit, relative to the schema (`/anyOf` or `/oneOf`). */
  branchesAt: string
}

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value)
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'example', 'default', 'deprecated', '$comment'])
const onlyKeys = (schema: JsonObject, allowed: readonly string[]): boolean => Object.keys(schema).every((k) => allowed.includes(k) || ANNOTATIONS.has(k) || k.startsWith('x-'))

function typesOf (schema: JsonObject): Set<string> | undefined {
  if (typeof schema.type === 'string') return new Set([schema.type])
  if (Array.isArray(schema.type)) return new Set(schema.type.filter((t): t is string => typeof t === 'string'))
  return undefined
}

function enumOf (schema: JsonObject): Map<string, Json> | undefined {
  if (Object.hasOwn(schema, 'const')) return new Map([[JSON.stringify(schema.const), schema.const as Json]])
  if (Array.isArray(schema.enum)) return new Map(schema.enum.map((v) => [JSON.stringify(v), v]))
  return undefined
}

/**
 * Read a schema: `anyOf`/`oneOf` whose branches are all single-type enums (TypeBox
 * `Union([Literal(..), ...])`) become one enum; a branch `{ type: 'null' }` beside one other
 * makes that other branch nullable.
 */
function shapeOf (schema: JsonObject): Shape {
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const list = schema[keyword]
    if (!Array.isArray(list) || !list.every(isObject)) continue
    const branches = list as JsonObject[]
    const rest: JsonObject = Object.fromEntries(Object.entries(schema).filter(([k]) => k !== keyword))
    if (branches.length > 0 && branches.every((b) => enumOf(b) !== undefined && onlyKeys(b, ['type', 'enum', 'const']))) {
      const types = new Set<string>()
      const values = new Map<string, Json>()
      let typed = true
      for (const b of branches) {
        const t = typesOf(b)
        if (t === undefined) typed = false
        else for (const x of t) types.add(x)
        for (const [k, v] of enumOf(b) ?? []) values.set(k, v)
      }
      return { types: typed ? types : typesOf(rest), enumValues: values, schema: rest, branches: undefined, branchesAt: '' }
    }
    const nulls = branches.filter((b) => typesOf(b)?.size === 1 && typesOf(b)?.has('null') === true && onlyKeys(b, ['type']))
    if (nulls.length > 0 && branches.length - nulls.length === 1) {
      const other = branches.find((b) => !nulls.includes(b)) as JsonObject
      const inner = shapeOf({ ...rest, ...other })
      inner.types = new Set([...(inner.types ?? []), 'null'])
      if (inner.types.size === 1) inner.types = undefined
      return inner
    }
    return { types: typesOf(schema), enumValues: enumOf(schema), schema: rest, branches, branchesAt: `/${keyword}` }
  }
  return { types: typesOf(schema), enumValues: enumOf(schema), schema, branches: undefined, branchesAt: '' }
}

/** How a message names a place in a body: its JSON Pointer, or `body` for the root. */
const named = (what: string): string => what === '' ? 'body' : what

const describeTypes = (types: Set<string> | undefined): string => types === undefined ? 'any' : [...types].sort().join(' | ')

/** The bounds whose raise (or appearance) narrows what a request may send. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const
/** The bounds whose cut (or appearance) narrows what a request may send. */
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const

class Comparer {
  readonly breaking: ApiChange[] = []
  readonly compatible: ApiChange[] = []
  /** Prefixed to each message: the operation and the part of it being compared. */
  context = ''

  broke (rule: string, pointer: string, message: string): void { this.breaking.push({ kind: 'breaking', rule, pointer, message: this.context + message }) }
  relaxed (rule: string, pointer: string, message: string): void { this.compatible.push({ kind: 'compatible', rule, pointer, message: this.context + message }) }

  /** Compare two schemas with `context` as the prefix of their messages. */
  within (context: string, fn: () => void): void {
    const outer = this.context
    this.context = context
    try { fn() } finally { this.context = outer }
  }

  /**
   * Compare two schemas of the same place. `was` points into the snapshot, `now` into the new
   * document; `what` names the place for messages ("response field /x", "query parameter limit").
   */
  schema (before: Json | undefined, after: Json | undefined, direction: Direction, was: string, now: string, what: string): void {
    if (!isObject(before) || !isObject(after)) return
    const b = shapeOf(before)
    const a = shapeOf(after)
    this.types(b, a, direction, was, what)
    this.format(b.schema, a.schema, direction, was, what)
    this.enums(b, a, direction, was, now, what)
    if (direction === 'request') this.bounds(b.schema, a.schema, was, what)
    this.properties(b.schema, a.schema, direction, was, now, what)
    if (isObject(b.schema.items) && isObject(a.schema.items)) this.schema(b.schema.items, a.schema.items, direction, `${was}/items`, `${now}/items`, `${what}/*`)
    if (isObject(b.schema.additionalProperties) && isObject(a.schema.additionalProperties)) {
      this.schema(b.schema.additionalProperties, a.schema.additionalProperties, direction, `${was}/additionalProperties`, `${now}/additionalProperties`, `${what}/*`)
    }
    this.branches(b, a, direction, was, now, what)
  }

  private types (b: Shape, a: Shape, direction: Direction, was: string, what: string): void {
    if (describeTypes(b.types) === describeTypes(a.types)) return
    if (direction === 'response') {
      // A client parses what the snapshot promised: any change of type breaks it (narrowing
      // too: issue 14 lists "type narrowed" for response fields).
      this.broke('response-type-changed', was, `${named(what)}: type changed from ${describeTypes(b.types)} to ${describeTypes(a.types)}`)
      return
    }
    const covers = (types: Set<string> | undefined, t: string): boolean => types === undefined || types.has(t) || (t === 'integer' && types.has('number'))
    const lost = b.types === undefined ? (a.types === undefined ? [] : ['any']) : [...b.types].filter((t) => !covers(a.types, t))
    if (lost.length > 0) this.broke('request-type-narrowed', was, `${named(what)}: accepted type narrowed from ${describeTypes(b.types)} to ${describeTypes(a.types)}`)
    else this.relaxed('request-type-widened', was, `${named(what)}: accepted type widened from ${describeTypes(b.types)} to ${describeTypes(a.types)}`)
  }

  private format (b: JsonObject, a: JsonObject, direction: Direction, was: string, what: string): void {
    if (b.format === a.format) return
    const from = typeof b.format === 'string' ? b.format : 'none'
    const to = typeof a.format === 'string' ? a.format : 'none'
    if (direction === 'response') this.broke('response-format-changed', was, `${named(what)}: format changed from ${from} to ${to}`)
    else if (a.format === undefined) this.relaxed('request-format-removed', was, `${named(what)}: format ${from} no longer required`)
    else this.broke('request-format-narrowed', was, `${named(what)}: format changed from ${from} to ${to}`)
  }

  private enums (b: Shape, a: Shape, direction: Direction, was: string, now: string, what: string): void {
    if (b.enumValues === undefined && a.enumValues === undefined) return
    if (b.enumValues === undefined) {
      if (direction === 'request') this.broke('request-enum-added', was, `${named(what)}: now limited to ${[...(a.enumValues ?? new Map()).keys()].join(', ')}`)
      else this.relaxed('response-enum-added', now, `${named(what)}: now limited to ${[...(a.enumValues ?? new Map()).keys()].join(', ')}`)
      return
    }
    if (a.enumValues === undefined) {
      if (direction === 'response') this.broke('response-enum-removed', was, `${named(what)}: no longer limited to ${[...b.enumValues.keys()].join(', ')}`)
      else this.relaxed('request-enum-removed', now, `${named(what)}: no longer limited to a list of values`)
      return
    }
    for (const key of b.enumValues.keys()) {
      if (!a.enumValues.has(key)) this.broke(direction === 'request' ? 'request-enum-value-removed' : 'response-enum-value-removed', was, `${named(what)}: enum value ${key} removed`)
    }
    for (const key of a.enumValues.keys()) {
      if (!b.enumValues.has(key)) this.relaxed(`${direction}-enum-value-added`, now, `${named(what)}: enum value ${key} added`)
    }
  }

  private bounds (b: JsonObject, a: JsonObject, was: string, what: string): void {
    const num = (v: Json | undefined): number | undefined => typeof v === 'number' ? v : undefined
    for (const [keywords, stricter] of [[LOWER_BOUNDS, (x: number, y: number) => y > x], [UPPER_BOUNDS, (x: number, y: number) => y < x]] as const) {
      for (const keyword of keywords) {
        const x = num(b[keyword])
        const y = num(a[keyword])
        if (x === y) continue
        if (y !== undefined && (x === undefined || stricter(x, y))) this.broke('request-bound-narrowed', was, `${named(what)}: ${keyword} ${x === undefined ? 'added' : `changed from ${x}`} to ${y}`)
        else this.relaxed('request-bound-relaxed', was, `${named(what)}: ${keyword} ${y === undefined ? `${String(x)} removed` : `relaxed from ${String(x)} to ${y}`}`)
      }
    }
    for (const keyword of ['pattern', 'multipleOf'] as const) {
      if (b[keyword] === a[keyword]) continue
      if (a[keyword] === undefined) this.relaxed('request-bound-relaxed', was, `${named(what)}: ${keyword} removed`)
      else this.broke('request-bound-narrowed', was, `${named(what)}: ${keyword} ${b[keyword] === undefined ? 'added' : 'changed'} (${JSON.stringify(a[keyword])})`)
    }
    if (a.uniqueItems === true && b.uniqueItems !== true) this.broke('request-bound-narrowed', was, `${named(what)}: uniqueItems added`)
  }

  private properties (b: JsonObject, a: JsonObject, direction: Direction, was: string, now: string, what: string): void {
    const bp = isObject(b.properties) ? b.properties : {}
    const ap = isObject(a.properties) ? a.properties : {}
    const required = (s: JsonObject): Set<string> => new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [])
    const br = required(b)
    const ar = required(a)
    const field = (name: string): string => `${what}/${pointerToken(name)}`
    for (const name of Object.keys(bp)) {
      const wasAt = `${was}/properties/${pointerToken(name)}`
      if (!Object.hasOwn(ap, name)) {
        if (direction === 'response') this.broke('response-property-removed', wasAt, `${field(name)}: response field removed (or renamed)`)
        else this.broke('request-property-removed', wasAt, `${field(name)}: request field no longer accepted${a.additionalProperties === false ? ' (refused as unknown)' : ''}`)
        continue
      }
      if (direction === 'response' && br.has(name) && !ar.has(name)) this.broke('response-property-optional', wasAt, `${field(name)}: response field no longer always present`)
      if (direction === 'request' && ar.has(name) && !br.has(name)) this.broke('request-property-required', wasAt, `${field(name)}: request field newly required`)
      if (direction === 'request' && br.has(name) && !ar.has(name)) this.relaxed('request-property-optional', `${now}/properties/${pointerToken(name)}`, `${field(name)}: request field no longer required`)
      if (direction === 'response' && ar.has(name) && !br.has(name)) this.relaxed('response-property-required', `${now}/properties/${pointerToken(name)}`, `${field(name)}: response field now always present`)
      this.schema(bp[name], ap[name], direction, wasAt, `${now}/properties/${pointerToken(name)}`, field(name))
    }
    for (const name of Object.keys(ap)) {
      if (Object.hasOwn(bp, name)) continue
      const nowAt = `${now}/properties/${pointerToken(name)}`
      if (direction === 'request' && ar.has(name)) this.broke('request-property-required', `${was}/required`, `${field(name)}: new request field, required`)
      else this.relaxed(`${direction}-property-added`, nowAt, `${field(name)}: ${direction} field added${direction === 'request' ? ' (optional)' : ''}`)
    }
    if (direction === 'request' && b.additionalProperties !== false && a.additionalProperties === false && (isObject(b.properties) || isObject(a.properties))) {
      this.broke('request-additional-properties-refused', was, `${named(what)}: fields not listed are now refused`)
    }
  }

  /** `anyOf`/`oneOf` that are not enums: branches matched by their type set. */
  private branches (b: Shape, a: Shape, direction: Direction, was: string, now: string, what: string): void {
    if (b.branches === undefined && a.branches === undefined) return
    const key = (s: JsonObject): string => describeTypes(shapeOf(s).types)
    const left = (b.branches ?? []).map((s, i) => ({ s, i, k: key(s) }))
    const right = (a.branches ?? []).map((s, i) => ({ s, i, k: key(s) }))
    for (const l of left) {
      const at = right.findIndex((r) => r.k === l.k)
      if (at < 0) {
        this.broke(direction === 'request' ? 'request-alternative-removed' : 'response-type-changed', `${was}${b.branchesAt}/${l.i}`, `${named(what)}: alternative of type ${l.k} removed`)
        continue
      }
      const [r] = right.splice(at, 1)
      if (r !== undefined) this.schema(l.s, r.s, direction, `${was}${b.branchesAt}/${l.i}`, `${now}${a.branchesAt}/${r.i}`, what)
    }
    for (const r of right) {
      if (direction === 'response') this.broke('response-type-changed', was, `${named(what)}: new alternative of type ${r.k} in the response`)
      else this.relaxed('request-alternative-added', `${now}${a.branchesAt}/${r.i}`, `${named(what)}: alternative of type ${r.k} accepted`)
    }
  }
}

interface Parameter { in: string, name: string, required?: boolean, schema?: Json }

function parametersOf (item: JsonObject, operation: JsonObject, itemPointer: string, operationPointer: string): Map<string, { p: Parameter, pointer: string }> {
  const out = new Map<string, { p: Parameter, pointer: string }>()
  const add = (list: Json | undefined, pointer: string): void => {
    if (!Array.isArray(list)) return
    list.forEach((p, i) => { if (isObject(p) && typeof p.in === 'string' && typeof p.name === 'string') out.set(`${p.in} ${p.name}`, { p: p as unknown as Parameter, pointer: `${pointer}/parameters/${i}` }) })
  }
  add(item.parameters, itemPointer)
  add(operation.parameters, operationPointer)
  return out
}

function compareOperation (c: Comparer, item: [JsonObject, JsonObject], before: JsonObject, after: JsonObject, pointers: [string, string, string, string], label: string): void {
  const [was, now, itemWas, itemNow] = pointers
  // Parameters (path, query, header, cookie): matched by location and name.
  const bp = parametersOf(item[0], before, itemWas, was)
  const ap = parametersOf(item[1], after, itemNow, now)
  for (const [key, { p, pointer }] of bp) {
    const next = ap.get(key)
    if (next === undefined) { c.broke('parameter-removed', pointer, `${label}: ${p.in} parameter ${p.name} removed`); continue }
    if (next.p.required === true && p.required !== true) c.broke('parameter-required', pointer, `${label}: ${p.in} parameter ${p.name} newly required`)
    c.within(`${label}: `, () => c.schema(p.schema, next.p.schema, 'request', `${pointer}/schema`, `${next.pointer}/schema`, `${p.in} parameter ${p.name}`))
  }
  for (const [key, { p, pointer }] of ap) {
    if (bp.has(key)) continue
    if (p.required === true) c.broke('parameter-required', `${was}/parameters`, `${label}: new ${p.in} parameter ${p.name}, required`)
    else c.relaxed('parameter-added', pointer, `${label}: optional ${p.in} parameter ${p.name} added`)
  }
  // Request body: media types and schemas.
  const bb = isObject(before.requestBody) ? before.requestBody : undefined
  const ab = isObject(after.requestBody) ? after.requestBody : undefined
  if (ab?.required === true && bb?.required !== true) c.broke('request-body-required', bb === undefined ? was : `${was}/requestBody`, `${label}: request body newly required`)
  if (bb !== undefined && ab === undefined) c.broke('request-media-type-removed', `${was}/requestBody`, `${label}: request body no longer accepted`)
  else if (bb !== undefined && ab !== undefined) mediaTypes(c, bb, ab, 'request', `${was}/requestBody`, `${now}/requestBody`, `${label}: request body`)
  else if (ab !== undefined && ab.required !== true) c.relaxed('request-body-added', `${now}/requestBody`, `${label}: optional request body added`)
  // Responses: status codes, media types, headers, schemas.
  const br = isObject(before.responses) ? before.responses : {}
  const ar = isObject(after.responses) ? after.responses : {}
  for (const [status, response] of Object.entries(br)) {
    const at = `${was}/responses/${pointerToken(status)}`
    const next = ar[status]
    if (!isObject(next)) { c.broke('response-status-removed', at, `${label}: status ${status} removed`); continue }
    if (!isObject(response)) continue
    mediaTypes(c, response, next, 'response', at, `${now}/responses/${pointerToken(status)}`, `${label}: ${status}`)
    const bh = isObject(response.headers) ? response.headers : {}
    const ah = isObject(next.headers) ? next.headers : {}
    for (const [name, header] of Object.entries(bh)) {
      const hAt = `${at}/headers/${pointerToken(name)}`
      if (!Object.hasOwn(ah, name)) c.broke('response-header-removed', hAt, `${label}: ${status} header ${name} removed`)
      else if (isObject(header) && isObject(ah[name])) {
        const schema = (ah[name] as JsonObject).schema
        c.within(`${label}: `, () => c.schema(header.schema, schema, 'response', `${hAt}/schema`, `${now}/responses/${pointerToken(status)}/headers/${pointerToken(name)}/schema`, `${status} header ${name}`))
      }
    }
  }
  for (const status of Object.keys(ar)) if (!Object.hasOwn(br, status)) c.relaxed('response-status-added', `${now}/responses/${pointerToken(status)}`, `${label}: status ${status} added`)
  if (after.deprecated === true && before.deprecated !== true) c.relaxed('operation-deprecated', now, `${label}: deprecated`)
}

function mediaTypes (c: Comparer, before: JsonObject, after: JsonObject, direction: Direction, was: string, now: string, label: string): void {
  const bc = isObject(before.content) ? before.content : {}
  const ac = isObject(after.content) ? after.content : {}
  for (const [type, media] of Object.entries(bc)) {
    const at = `${was}/content/${pointerToken(type)}`
    const next = ac[type]
    if (!isObject(next)) { c.broke(`${direction}-media-type-removed`, at, `${label}: media type ${type} removed`); continue }
    if (isObject(media)) c.within(`${label} ${type}: `, () => c.schema(media.schema, next.schema, direction, `${at}/schema`, `${now}/content/${pointerToken(type)}/schema`, ''))
  }
  for (const type of Object.keys(ac)) if (!Object.hasOwn(bc, type)) c.relaxed(`${direction}-media-type-added`, `${now}/content/${pointerToken(type)}`, `${label}: media type ${type} added`)
}

/**
 * Compare the OpenAPI 3.x document of one API version as committed (`before`, the snapshot) with
 * the one the code generates now (`after`). Local `$ref`s are resolved first; `info`, `servers`,
 * `tags`, descriptions and examples are not compared. Breaking: an operation or path removed; a
 * response field removed (a rename is a removal), its type or format changed, an enum value
 * removed, a required response field made optional; a request field newly required or no longer
 * accepted, accepted values narrowed (type, enum, format, minimum/maximum, min/maxLength,
 * min/maxItems, pattern, multipleOf, uniqueItems); a status code, response header or media type
 * removed; a parameter (path, query, header, cookie) removed or newly required. Everything else
 * that differs and is listed above in reverse (additions, relaxations) is `compatible`.
 * Messages name a field by its JSON Pointer inside the body (`/database/name`).
 */
export function compareApiDocuments (before: unknown, after: unknown): ApiComparison {
  const b = resolveLocalRefs(before as JsonObject)
  const a = resolveLocalRefs(after as JsonObject)
  const c = new Comparer()
  const bPaths = isObject(b.paths) ? b.paths : {}
  const aPaths = isObject(a.paths) ? a.paths : {}
  for (const [path, item] of Object.entries(bPaths)) {
    const was = `/paths/${pointerToken(path)}`
    const next = aPaths[path]
    if (!isObject(item)) continue
    if (!isObject(next)) { c.broke('path-removed', was, `${path}: path removed (every operation on it)`); continue }
    for (const method of HTTP_METHODS) {
      const operation = item[method]
      if (!isObject(operation)) continue
      const label = `${method.toUpperCase()} ${path}`
      const nextOperation = next[method]
      if (!isObject(nextOperation)) { c.broke('operation-removed', `${was}/${method}`, `${label}: operation removed`); continue }
      compareOperation(c, [item, next], operation, nextOperation, [`${was}/${method}`, `${was}/${method}`, was, was], label)
    }
    for (const method of HTTP_METHODS) {
      if (isObject(next[method]) && !isObject(item[method])) c.relaxed('operation-added', `${was}/${method}`, `${method.toUpperCase()} ${path}: operation added`)
    }
  }
  for (const path of Object.keys(aPaths)) if (!Object.hasOwn(bPaths, path)) c.relaxed('path-added', `/paths/${pointerToken(path)}`, `${path}: path added`)
  return { breaking: c.breaking, compatible: c.compatible }
}

/**
 * The failure message of the guard: every breaking change with its JSON Pointer into the
 * snapshot, then how to proceed.
 * @param version the API version's name, e.g. `v1`
 * @param snapshotFile the committed snapshot, e.g. `api/openapi-v1.json`
 */
export function formatBreakingChanges (version: string, snapshotFile: string, breaking: readonly ApiChange[]): string {
  const lines = breaking.map((change) => `  - ${change.pointer}\n      ${change.message} [${change.rule}]`)
  return [
    `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} to API ${version} (JSON Pointers into ${snapshotFile}):`,
    ...lines,
    'Within a version a client may rely on everything the snapshot promises (docs/compatibility.md). Either:',
    '  - keep it: restore the field, parameter, status code or accepted values (a new field may be added beside the old one), or',
    `  - make the change in a new API version (a new prefix, e.g. /api/v${(Number(/\d+/.exec(version)?.[0] ?? '1') + 1)}) and deprecate the old operation (Deprecation and Sunset headers).`,
    `If the guard is wrong (the change cannot break a client), say why in the commit and refresh the snapshot with \`npm run api:snapshot\`.`
  ].join('\n')
}
