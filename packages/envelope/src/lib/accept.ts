/**
 * Content negotiation for a JSON-only API (RFC 9110 §12.5.1): does an `Accept` header
 * admit `application/json`? Media ranges with `q=0` exclude.
 */

/** True when `accept` is absent or one of its media ranges with q > 0 covers application/json or application/problem+json. */
export function acceptsJson (accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true
  for (const part of accept.split(',')) {
    const [rangeRaw, ...params] = part.split(';')
    const range = (rangeRaw ?? '').trim().toLowerCase()
    let q = 1
    for (const p of params) {
      const [k, v] = p.split('=')
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim())
    }
    if (!(q > 0)) continue
    if (range === '*/*' || range === 'application/*' || range === 'application/json' || range === 'application/problem+json') return true
  }
  return false
}
