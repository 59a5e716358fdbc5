/**
 * Nesting depth of parsed JSON, measured without recursion, so that a body nested 100,000
 * deep is refused before any recursive code (validation, JSON Patch, merge patch,
 * `structuredClone`, serialization) can overflow the stack.
 */

/** Deepest JSON a request body may be by default: objects and arrays nested this many levels. */
export const DEFAULT_MAX_JSON_DEPTH = 64

/**
 * Whether `value` nests objects or arrays deeper than `maxDepth` levels (a scalar is depth 0,
 * `{}` and `[]` depth 1). Iterative (an explicit stack), and it stops at the first branch
 * that is too deep, so its cost is bounded by the size of the value.
 * @param value a parsed JSON value (plain objects, arrays, scalars).
 * @param maxDepth the deepest nesting allowed, an integer >= 1.
 */
export function exceedsJsonDepth (value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false
  const stack: Array<{ value: object, depth: number }> = [{ value, depth: 1 }]
  while (stack.length > 0) {
    const top = stack.pop() as { value: object, depth: number }
    if (top.depth > maxDepth) return true
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value)
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ value: child as object, depth: top.depth + 1 })
    }
  }
  return false
}
