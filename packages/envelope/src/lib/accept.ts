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

function quality (accept: string, type: string): number {
  let best = -1
  let bestSpecificity = -1
  const [major] = type.split('/')
  for (const part of accept.split(',')) {
    const [rangeRaw, ...params] = part.split(';')
    const range = (rangeRaw ?? '').trim().toLowerCase()
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1
    if (specificity < 0 || specificity < bestSpecificity) continue
    let q = 1
    for (const p of params) {
      const [k, v] = p.split('=')
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim())
    }
    if (!Number.isFinite(q)) q = 0
    if (specificity > bestSpecificity || q > best) { best = q; bestSpecificity = specificity }
  }
  return best
}

/**
 * True when the client asks for RFC 9457 problem details: `application/problem+json` is named
 * explicitly with q > 0 and at least the quality of `application/json` (RFC 9110 §12.5.1: the
 * most specific range decides each type's quality).
 */
export function prefersProblemJson (accept: string | undefined): boolean {
  if (accept === undefined || !accept.toLowerCase().includes('application/problem+json')) return false
  const problem = quality(accept, 'application/problem+json')
  return problem > 0 && problem >= quality(accept, 'application/json')
}
