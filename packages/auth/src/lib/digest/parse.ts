/**
 * Parser for the HTTP authentication header grammar (RFC 7235 §2.1, §4.1, §4.2), as used
 * by HTTP Digest (RFC 7616 §3.3, §3.4):
 *
 * ```
 * challenge / credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * auth-param              = token BWS "=" BWS ( token / quoted-string )
 * quoted-string           = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 * quoted-pair             = "\" ( HTAB / SP / VCHAR / obs-text )
 * ```
 *
 * A single left-to-right scan, no regular expressions, so the cost is linear in the
 * input length. Anything outside the grammar makes the whole value malformed.
 *
 * @module
 */

/** One challenge (`WWW-Authenticate`) or one set of credentials (`Authorization`). */
export interface AuthScheme {
  /** The auth-scheme as sent, e.g. `Digest` (compare case-insensitively). */
  scheme: string
  /** The token68 form, when the scheme uses one instead of parameters (e.g. `Basic`). */
  token68?: string
  /**
   * Parameters by lowercase name, values with quoting and backslash escapes removed.
   * A null-prototype object, so names like `__proto__` are plain keys.
   */
  params: Record<string, string>
}

const HTAB = 0x09
const SP = 0x20
const DQUOTE = 0x22
const COMMA = 0x2c
const EQUALS = 0x3d
const BACKSLASH = 0x5c

/** tchar (RFC 9110 §5.6.2): `!#$%&'*+-.^_` + "`|~" + DIGIT + ALPHA. */
const TCHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1

/** token68 characters (RFC 7235 §2.1) other than the trailing `=`. */
const TOKEN68 = new Uint8Array(128)
for (const c of '-._~+/') TOKEN68[c.charCodeAt(0)] = 1
for (let c = 0x30; c <= 0x39; c++) TOKEN68[c] = 1
for (let c = 0x41; c <= 0x5a; c++) TOKEN68[c] = 1
for (let c = 0x61; c <= 0x7a; c++) TOKEN68[c] = 1

function isTchar (c: number): boolean {
  return c < 128 && TCHAR[c] === 1
}

function isToken68Char (c: number): boolean {
  return c < 128 && TOKEN68[c] === 1
}

function skipOws (s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c !== SP && c !== HTAB) break
    i++
  }
  return i
}

function readToken (s: string, i: number): number {
  while (i < s.length && isTchar(s.charCodeAt(i))) i++
  return i
}

/** qdtext (RFC 9110 §5.6.4): HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
function isQdtext (c: number): boolean {
  return c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80
}

/** What may follow a backslash in a quoted-pair: HTAB / SP / VCHAR / obs-text. */
function isQuotedPairChar (c: number): boolean {
  return c === HTAB || (c >= 0x20 && c <= 0x7e) || c >= 0x80
}

/**
 * Reads a quoted-string starting at the opening DQUOTE at `i`.
 * @returns the unescaped value and the index after the closing DQUOTE, or `undefined` if malformed.
 */
function readQuotedString (s: string, i: number): { value: string, end: number } | undefined {
  let value = ''
  let runStart = i + 1
  i++
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c === DQUOTE) {
      return { value: value + s.slice(runStart, i), end: i + 1 }
    }
    if (c === BACKSLASH) {
      if (i + 1 >= s.length || !isQuotedPairChar(s.charCodeAt(i + 1))) return undefined
      value += s.slice(runStart, i) + s[i + 1]
      i += 2
      runStart = i
      continue
    }
    if (!isQdtext(c)) return undefined
    i++
  }
  return undefined // unterminated
}

/**
 * Parses a header value holding a comma-separated list of challenges (`WWW-Authenticate`,
 * RFC 7235 §4.1) or credentials (`Authorization`, RFC 7235 §4.2).
 *
 * @param value - the raw header value (callers bound its length).
 * @returns the schemes in order, or `undefined` when the value is malformed (bad
 *   characters, unterminated quoted-string, duplicate parameter, parameter before any scheme).
 */
export function parseAuthHeader (value: string): AuthScheme[] | undefined {
  const s = value
  const n = s.length
  const result: AuthScheme[] = []
  let current: AuthScheme | undefined
  let i = 0
  for (;;) {
    i = skipOws(s, i)
    if (i >= n) break
    if (s.charCodeAt(i) === COMMA) { i++; continue } // empty list element (RFC 9110 §5.6.1)

    const tokenStart = i
    i = readToken(s, i)
    if (i === tokenStart) return undefined
    const token = s.slice(tokenStart, i)
    const afterToken = i
    const k = skipOws(s, i)

    if (k < n && s.charCodeAt(k) === EQUALS) {
      // auth-param of the current scheme
      if (current === undefined || current.token68 !== undefined) return undefined
      i = skipOws(s, k + 1)
      if (i >= n) return undefined
      let paramValue: string
      if (s.charCodeAt(i) === DQUOTE) {
        const quoted = readQuotedString(s, i)
        if (quoted === undefined) return undefined
        paramValue = quoted.value
        i = quoted.end
      } else {
        const valueStart = i
        i = readToken(s, i)
        if (i === valueStart) return undefined
        paramValue = s.slice(valueStart, i)
      }
      const name = token.toLowerCase()
      if (Object.hasOwn(current.params, name)) return undefined // RFC 7235 §2.1: each name only once
      current.params[name] = paramValue
      i = skipOws(s, i)
      if (i < n && s.charCodeAt(i) !== COMMA) return undefined
      continue
    }

    // a new auth-scheme
    current = { scheme: token, params: Object.create(null) as Record<string, string> }
    result.push(current)
    i = afterToken
    if (i < n && s.charCodeAt(i) === SP) {
      // token68 form: 1*SP token68 followed by the end or a comma
      const start = skipOws(s, i)
      let p = start
      while (p < n && isToken68Char(s.charCodeAt(p))) p++
      if (p > start) {
        while (p < n && s.charCodeAt(p) === EQUALS) p++
        const after = skipOws(s, p)
        if (after >= n || s.charCodeAt(after) === COMMA) {
          current.token68 = s.slice(start, p)
          i = after
        }
      }
    } else if (i < n && s.charCodeAt(i) !== COMMA && s.charCodeAt(i) !== HTAB) {
      return undefined // scheme glued to something that is not a separator
    }
  }
  return result
}

/**
 * Parses an `Authorization` value: exactly one set of credentials.
 * @returns the credentials, or `undefined` when malformed or when more than one scheme is present.
 */
export function parseCredentials (value: string): AuthScheme | undefined {
  const common = parseCommonCredentials(value)
  if (common !== undefined) return common ?? undefined
  return parseCredentialsGeneral(value)
}

/**
 * {@link parseCredentials} by the general grammar of {@link parseAuthHeader}: the reference the
 * fast path is property-tested against, and what it falls back to.
 */
export function parseCredentialsGeneral (value: string): AuthScheme | undefined {
  const schemes = parseAuthHeader(value)
  if (schemes === undefined || schemes.length !== 1) return undefined
  return schemes[0]
}

/**
 * Fast path of {@link parseCredentials} for the shape every client sends: `scheme SP
 * name=value, name="value", …` (no whitespace around `=`, no backslash in a quoted-string,
 * no empty list element in the middle). One scan with `indexOf` for quoted-strings and no
 * object per parameter.
 *
 * @returns the credentials (then equal to what the general parser returns), `null` for a
 *   duplicate parameter name (malformed in both), or `undefined` when the value leaves the
 *   common shape, for the general parser to decide.
 */
/** Characters that end the fast path: controls other than HTAB, DEL, and the backslash of a quoted-pair. */
const NOT_COMMON = /[\x00-\x08\x0a-\x1f\x7f\\]/

function parseCommonCredentials (s: string): AuthScheme | null | undefined {
  const n = s.length
  // With none of these, every character between two DQUOTEs is qdtext (RFC 9110 §5.6.4).
  if (NOT_COMMON.test(s)) return undefined
  let i = readToken(s, 0)
  if (i === 0 || i + 1 >= n || s.charCodeAt(i) !== SP) return undefined
  const scheme = s.slice(0, i)
  const params = Object.create(null) as Record<string, string>
  i++
  for (;;) {
    const nameStart = i
    i = readToken(s, i)
    if (i === nameStart || i >= n || s.charCodeAt(i) !== EQUALS) return undefined
    const name = s.slice(nameStart, i).toLowerCase()
    i++
    let value: string
    if (i < n && s.charCodeAt(i) === DQUOTE) {
      const close = s.indexOf('"', i + 1)
      if (close < 0) return undefined
      value = s.slice(i + 1, close)
      i = close + 1
    } else {
      const valueStart = i
      i = readToken(s, i)
      if (i === valueStart) return undefined
      value = s.slice(valueStart, i)
    }
    if (params[name] !== undefined) return null
    params[name] = value
    i = skipOws(s, i)
    if (i >= n) return { scheme, params }
    if (s.charCodeAt(i) !== COMMA) return undefined
    i = skipOws(s, i + 1)
    if (i >= n) return { scheme, params }
  }
}

/**
 * Renders `value` as a quoted-string, escaping `"` and `\` with a backslash (RFC 9110 §5.6.4).
 * @throws TypeError when `value` holds a control character (it cannot appear in a header).
 */
export function quote (value: string): string {
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) throw new TypeError('a quoted-string cannot hold control characters')
    out += c === DQUOTE || c === BACKSLASH ? '\\' + value[i] : value[i]
  }
  return out + '"'
}
