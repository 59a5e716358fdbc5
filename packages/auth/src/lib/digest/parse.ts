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
const TCHAR = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1

/** qdtext (RFC 9110 §5.6.4) of an ASCII byte, without the backslash of a quoted-pair. */
const PLAIN_QDTEXT = new Uint8Array(256)
PLAIN_QDTEXT[HTAB] = 1
for (let c = 0x20; c <= 0x7e; c++) PLAIN_QDTEXT[c] = c === DQUOTE || c === BACKSLASH ? 0 : 1

/** Longest value the fast path of {@link parseDigestCredentials} copies into `scratch`, in characters. */
const SCRATCH_CHARS = 4096
/** Room for the UTF-8 of any string of `SCRATCH_CHARS` characters (at most 3 bytes per UTF-16 unit). */
const scratch = Buffer.allocUnsafe(3 * SCRATCH_CHARS)
/** The same bytes as a plain `Uint8Array` (V8 indexes it faster than the `Buffer` subclass). */
const scratchBytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.byteLength)

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
 * Parses an `Authorization` value by the general grammar of {@link parseAuthHeader}: exactly one
 * set of credentials. The reference that {@link parseDigestCredentials} is property-tested
 * against, and what it falls back to.
 * @returns the credentials, or `undefined` when malformed or when more than one scheme is present.
 */
export function parseCredentialsGeneral (value: string): AuthScheme | undefined {
  const schemes = parseAuthHeader(value)
  if (schemes === undefined || schemes.length !== 1) return undefined
  return schemes[0]
}

/**
 * The parameters of `Authorization: Digest` credentials that RFC 7616 §3.4 defines, by their
 * lowercase names (`usernameExt` is `username*`, RFC 8187). Values are unquoted and unescaped;
 * `undefined` when absent. Other parameters are checked (grammar, no duplicates) and ignored.
 */
export class DigestCredentials {
  username: string | undefined = undefined
  usernameExt: string | undefined = undefined
  realm: string | undefined = undefined
  nonce: string | undefined = undefined
  uri: string | undefined = undefined
  response: string | undefined = undefined
  algorithm: string | undefined = undefined
  cnonce: string | undefined = undefined
  nc: string | undefined = undefined
  qop: string | undefined = undefined
  opaque: string | undefined = undefined
  userhash: string | undefined = undefined
}

/** The RFC 7616 parameter names, lowercase, in the order of the field numbers below. */
const FIELD_NAMES = ['username', 'username*', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'cnonce', 'nc', 'qop', 'opaque', 'userhash'] as const
const [USERNAME, USERNAME_EXT, REALM, NONCE, URI, RESPONSE, ALGORITHM, CNONCE, NC, QOP, OPAQUE, USERHASH] = FIELD_NAMES.map((_, i) => i) as number[] as [number, number, number, number, number, number, number, number, number, number, number, number]
const FIELD_BYTES: readonly Uint8Array[] = FIELD_NAMES.map((name) => new Uint8Array(Buffer.from(name, 'latin1')))

/**
 * The field number of the parameter name in the bytes `b[start..end)` when it is one of the RFC
 * 7616 names written in lowercase (what clients send), `-1` otherwise. No string is made.
 */
function fieldOfBytes (b: Uint8Array, start: number, end: number): number {
  let candidate: number
  switch (end - start) { // the length and one byte leave one candidate, then checked in full
    case 2: candidate = NC; break
    case 3: candidate = b[start] === 0x75 ? URI : QOP; break
    case 5: candidate = b[start] === 0x72 ? REALM : NONCE; break
    case 6: candidate = b[start] === 0x63 ? CNONCE : OPAQUE; break
    case 8: candidate = b[start] === 0x72 ? RESPONSE : (b[start + 4] === 0x68 ? USERHASH : USERNAME); break
    case 9: candidate = b[start] === 0x61 ? ALGORITHM : USERNAME_EXT; break
    default: return -1
  }
  const name = FIELD_BYTES[candidate] as Uint8Array
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name[k]) return -1
  return candidate
}

/**
 * Stores `value` in field number `field` of `c`. @returns `false` when the field is already set
 * (RFC 7235 §2.1: each parameter name only once).
 */
function setField (c: DigestCredentials, field: number, value: string): boolean {
  switch (field) {
    case USERNAME: if (c.username !== undefined) return false; c.username = value; return true
    case USERNAME_EXT: if (c.usernameExt !== undefined) return false; c.usernameExt = value; return true
    case REALM: if (c.realm !== undefined) return false; c.realm = value; return true
    case NONCE: if (c.nonce !== undefined) return false; c.nonce = value; return true
    case URI: if (c.uri !== undefined) return false; c.uri = value; return true
    case RESPONSE: if (c.response !== undefined) return false; c.response = value; return true
    case ALGORITHM: if (c.algorithm !== undefined) return false; c.algorithm = value; return true
    case CNONCE: if (c.cnonce !== undefined) return false; c.cnonce = value; return true
    case NC: if (c.nc !== undefined) return false; c.nc = value; return true
    case QOP: if (c.qop !== undefined) return false; c.qop = value; return true
    case OPAQUE: if (c.opaque !== undefined) return false; c.opaque = value; return true
    default: if (c.userhash !== undefined) return false; c.userhash = value; return true
  }
}

/**
 * Stores `value` under the lowercase parameter `name`: in its field for an RFC 7616 name, else
 * only remembered in `others` to refuse a second occurrence. @returns `false` for a duplicate.
 */
function setParam (c: DigestCredentials, others: Set<string>, name: string, value: string): boolean {
  const field = (FIELD_NAMES as readonly string[]).indexOf(name)
  if (field >= 0) return setField(c, field, value)
  if (others.has(name)) return false
  others.add(name)
  return true
}

/** `true` when `s` holds `digest` (any case) from `start` to `end`. */
function isDigestScheme (s: string, start: number, end: number): boolean {
  if (end - start !== 6) return false
  for (let k = 0; k < 6; k++) {
    // `| 0x20` lowers ASCII letters; the scheme is a token, so no other character maps onto one.
    if ((s.charCodeAt(start + k) | 0x20) !== 'digest'.charCodeAt(k)) return false
  }
  return true
}

/**
 * Parses an `Authorization` value holding exactly one set of `Digest` credentials (RFC 7616 §3.4,
 * RFC 7235 §2.1, §4.2).
 *
 * The shape every client sends (`Digest name=value, name="value", …`: ASCII, one SP after the
 * scheme, no whitespace around `=`, no backslash in a quoted-string, no empty list element before
 * the end) is read in one regex-free left-to-right scan of its bytes that makes no string per
 * parameter name; anything else is parsed by the general grammar ({@link parseCredentialsGeneral}),
 * so the result is always what the general parser gives, only faster. Linear in the length.
 *
 * @param value - the raw header value (callers bound its length).
 * @returns the parameters, or `undefined` when the value is malformed, holds more than one
 *   scheme, or its scheme is not `Digest` (compared case-insensitively).
 */
export function parseDigestCredentials (value: string): DigestCredentials | undefined {
  const fast = parseCommonDigestCredentials(value)
  if (fast !== undefined) return fast ?? undefined
  const general = parseCredentialsGeneral(value)
  if (general === undefined || !isDigestScheme(general.scheme, 0, general.scheme.length)) return undefined
  const credentials = new DigestCredentials()
  const others = new Set<string>()
  // the general parser has refused duplicates already
  for (const name of Object.keys(general.params)) setParam(credentials, others, name, general.params[name] as string)
  return credentials
}

/**
 * The fast path of {@link parseDigestCredentials}.
 * @returns the credentials; `null` when the value is malformed in any grammar (a duplicate
 *   parameter, a scheme other than `Digest`); `undefined` when it leaves the common shape, for
 *   the general parser to decide.
 */
function parseCommonDigestCredentials (s: string): DigestCredentials | null | undefined {
  const n = s.length
  // Scanning bytes is about twice as fast as `charCodeAt`; only an ASCII value is scanned this
  // way (then byte i is character i). The buffer holds the UTF-8 of any value up to its length
  // in characters, so a count other than `n` means non-ASCII (obs-text): the general parser's.
  if (n > SCRATCH_CHARS || scratch.write(s) !== n) return undefined
  const b = scratchBytes
  let i = 0
  while (i < n && TCHAR[b[i] as number] === 1) i++
  if (i === 0 || i + 1 >= n || b[i] !== SP) return undefined
  // Any other scheme, or more than one, is refused by the verifier alike.
  if (!isDigestScheme(s, 0, i)) return null
  const credentials = new DigestCredentials()
  let others: Set<string> | undefined
  i++
  for (;;) {
    const nameStart = i
    while (i < n && TCHAR[b[i] as number] === 1) i++
    if (i === nameStart || i >= n || b[i] !== EQUALS) return undefined
    const nameEnd = i
    i++
    let value: string
    if (i < n && b[i] === DQUOTE) {
      // A quoted-string without quoted-pairs: every character up to the closing DQUOTE is qdtext.
      const open = i
      i++
      while (i < n && PLAIN_QDTEXT[b[i] as number] === 1) i++
      if (i >= n || b[i] !== DQUOTE) return undefined
      value = s.slice(open + 1, i)
      i++
    } else {
      const valueStart = i
      while (i < n && TCHAR[b[i] as number] === 1) i++
      if (i === valueStart) return undefined
      value = s.slice(valueStart, i)
    }
    const field = fieldOfBytes(b, nameStart, nameEnd)
    if (field >= 0) {
      if (!setField(credentials, field, value)) return null
    } else if (!setParam(credentials, others ??= new Set(), s.slice(nameStart, nameEnd).toLowerCase(), value)) {
      return null
    }
    while (i < n && (b[i] === SP || b[i] === HTAB)) i++
    if (i >= n) return credentials
    if (b[i] !== COMMA) return undefined
    i++
    while (i < n && (b[i] === SP || b[i] === HTAB)) i++
    if (i >= n) return credentials
  }
}

/**
 * Renders `value` as a quoted-string, escaping `"` and `\` with a backslash (RFC 9110 §5.6.4).
 * @throws TypeError when `value` holds a control character (it cannot appear in a header).
 */
export function quote (value: string): string {
  let plain = true
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === DQUOTE || c === BACKSLASH || c === 0x7f) { plain = false; break }
  }
  if (plain) return '"' + value + '"'
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) throw new TypeError('a quoted-string cannot hold control characters')
    out += c === DQUOTE || c === BACKSLASH ? '\\' + value[i] : value[i]
  }
  return out + '"'
}
