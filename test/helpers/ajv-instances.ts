/**
 * Counting the Ajv instances made (issue 12: startup, where each costs milliseconds).
 * Every Ajv constructor (Ajv's own, @fastify/ajv-compiler's, fast-json-stringify's) calls
 * `_addVocabularies` of `ajv/dist/core.js` once; the copy of ajv the workspace resolves (one,
 * hoisted) is wrapped while `fn` runs.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const AjvCore = (require('ajv/dist/core.js') as { default: { prototype: { _addVocabularies: () => void } } }).default

/** The number of Ajv instances constructed while `fn` runs, and what it answered. */
export async function countAjvInstances<T> (fn: () => Promise<T>): Promise<{ count: number, result: T }> {
  const original = AjvCore.prototype._addVocabularies
  let count = 0
  AjvCore.prototype._addVocabularies = function (this: unknown) {
    count++
    original.call(this)
  }
  try {
    const result = await fn()
    return { count, result }
  } finally {
    AjvCore.prototype._addVocabularies = original
  }
}
