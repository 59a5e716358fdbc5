/**
 * RFC 8187 `ext-value`, the encoding of the Digest `username*` parameter (RFC 7616 §3.4):
 *
 * ```
 * ext-value  = charset "'" [ language ] "'" value-chars
 * charset    = "UTF-8" / "ISO-8859-1" (case-insensitive)
 * value-chars = *( pct-encoded / attr-char )
 * attr-char  = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
 * ```
 *
 * @module
 */

const ATTR_CHAR = new Uint8Array(128)
for (const c of "!#$&+-.^_`|~") ATTR_CHAR[c.charCodeAt(0)] = 1
for (let c = 0x30; c <= 0x39; c++) ATTR_CHAR[c] = 1
for (let c = 0x41; c <= 0x5a; c++) ATTR_CHAR[c] = 1
for (let c = 0x61; c <= 0x7a; c++) ATTR_CHAR[c] = 1

const UTF8 = new TextDecoder('utf-8', { fatal: true })
const LATIN1 = new TextDecoder('latin1')

function hexValue (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/**
 * Decodes an RFC 8187 `ext-value`, e.g. `UTF-8''J%C3%A4s%C3%B8n%20Doe` → `Jäsøn Doe`.
 *
 * @returns the decoded string, or `undefined` when the value is malformed (unknown
 *   charset, bad percent-encoding, a character outside attr-char, invalid UTF-8).
 */
export function decodeExtValue (value: string): string | undefined {
  const first = value.indexOf("'")
  if (first < 0) return undefined
  const second = value.indexOf("'", first + 1)
  if (second < 0) return undefined
  const charset = value.slice(0, first).toUpperCase()
  if (charset !== 'UTF-8' && charset !== 'ISO-8859-1') return undefined
  const bytes: number[] = []
  for (let i = second + 1; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x25) { // %
      const hi = hexValue(value.charCodeAt(i + 1))
      const lo = hexValue(value.charCodeAt(i + 2))
      if (hi < 0 || lo < 0) return undefined
      bytes.push(hi * 16 + lo)
      i += 2
    } else if (c < 128 && ATTR_CHAR[c] === 1) {
      bytes.push(c)
    } else {
      return undefined
    }
  }
  try {
    return (charset === 'UTF-8' ? UTF8 : LATIN1).decode(Uint8Array.from(bytes))
  } catch {
    return undefined
  }
}

/** Encodes `value` as an RFC 8187 `ext-value` in UTF-8 without a language: `UTF-8''…`. */
export function encodeExtValue (value: string): string {
  let out = "UTF-8''"
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte < 128 && ATTR_CHAR[byte] === 1 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}
