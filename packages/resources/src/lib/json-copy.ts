/**
 * Deep copies of JSON documents (entities, PATCH views and results, idempotency records) made
 * by a walk in JavaScript. For the small plain objects a resource holds, a walk is several
 * times cheaper than `structuredClone`, which serializes the value and reads it back (issue 12:
 * CPU per PATCH, where an entity was cloned twice per request).
 *
 * For JSON data the result is what `structuredClone` gives: plain objects and arrays are copied
 * property by property (own enumerable properties; a `"__proto__"` key stays an own data
 * property, never a prototype). Any other object `structuredClone` treats specially (a `Date`, a
 * `Map`, a class instance, a typed array) is handed to `structuredClone` itself, as is a function or
 * a symbol (which it refuses with a `DataCloneError`). Unlike `structuredClone`: symbol-keyed properties
 * are kept (by reference), and an object reached twice is copied twice (JSON has neither). Recursive: callers
 * bound the depth first (`exceedsJsonDepth`) or copy what a store already holds.
 */

/** Whether `value` is an object `structuredClone` would copy as a plain object or array. */
function isPlain (value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null || proto === Array.prototype
}

/** Whether `value` is more than a primitive `structuredClone` copies as it is (an object, or a function or symbol, which it refuses). */
function isComposite (value: unknown): boolean {
  return typeof value === 'object' ? value !== null : typeof value === 'function' || typeof value === 'symbol'
}

/** A deep copy of `value`: for JSON data, what `structuredClone(value)` gives (see the module comment). */
export function copyJson<T> (value: T): T {
  return copy(value, false)
}

/**
 * A deep copy of `value` that is deeply frozen (`Object.freeze` on every object and array of
 * the copy), made in one walk: what a store keeps and hands out, so that no caller can change it.
 */
export function frozenCopy<T> (value: T): T {
  return copy(value, true)
}

/** The walk of {@link copyJson} and {@link frozenCopy}: each object and array of the copy frozen when `freeze`. */
function copy<T> (value: T, freeze: boolean): T {
  if (!isComposite(value)) return value
  if (typeof value !== 'object' || !isPlain(value as object)) {
    const cloned = structuredClone(value)
    return freeze ? deepFreeze(cloned) : cloned
  }
  let out: object
  if (Array.isArray(value)) {
    out = value.map((item: unknown) => copy(item, freeze))
  } else {
    // Spread defines own data properties (a "__proto__" key included); then the object values are replaced by copies.
    const fields: Record<string, unknown> = { ...(value as Record<string, unknown>) }
    for (const key of Object.keys(fields)) {
      const item = fields[key]
      if (isComposite(item)) fields[key] = copy(item, freeze)
    }
    out = fields
  }
  return (freeze ? Object.freeze(out) : out) as T
}

/** Freeze `value` and everything it holds (here: a value `structuredClone` just made). */
function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
