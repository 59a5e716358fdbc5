/**
 * The client side of HTTP Digest (RFC 7616): read the challenges of a `WWW-Authenticate`
 * answer, choose the strongest algorithm offered, and answer with a rising `nc` on the same
 * nonce (§3.4) so that only the first request of a session needs the extra round trip.
 * The private key is only ever hashed; it is never sent.
 */
import { createHash, randomBytes } from 'node:crypto'

/** The algorithms of RFC 7616 §3.4.1 ("-sess" variants §3.4.2). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess'

/** Strongest first: the order the client prefers when a server offers several. */
export const ALGORITHM_PREFERENCE: readonly DigestAlgorithm[] = Object.freeze([
  'SHA-512-256', 'SHA-512-256-sess', 'SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'
] as const)

const HASHES: Record<string, string> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' }

/** One challenge: the auth-scheme and its parameters (names lowercased). */
export interface Challenge { scheme: string, params: Record<string, string> }

/**
 * Parse `WWW-Authenticate` (RFC 9110 §11.6.1): several challenges, comma-separated, each
 * `scheme param=value, param="quoted, value"`. Several header lines may be given.
 */
export function parseChallenges (header: string | string[] | undefined): Challenge[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '')
  const out: Challenge[] = []
  let i = 0
  const skip = (): void => { while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++ }
  const token = (): string => { const start = i; while (i < text.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(text[i] as string)) i++; return text.slice(start, i) }
  while (true) {
    skip()
    if (i >= text.length) break
    const scheme = token()
    if (scheme === '') { i++; continue }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} }
    out.push(challenge)
    while (true) {
      skip()
      const mark = i
      const name = token()
      while (text[i] === ' ') i++
      if (name === '' || text[i] !== '=') { i = mark; break }
      i++
      while (text[i] === ' ') i++
      let value = ''
      if (text[i] === '"') {
        i++
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++
          value += text[i] ?? ''
          i++
        }
        i++
      } else {
        value = token()
      }
      challenge.params[name.toLowerCase()] = value
    }
  }
  return out
}

/** A Digest challenge the client can answer. */
export interface DigestChallenge { algorithm: DigestAlgorithm, realm: string, nonce: string, opaque?: string, userhash: boolean, stale: boolean }

/**
 * The Digest challenge to answer: qop `auth`, an algorithm in `allowed`, the first of
 * {@link ALGORITHM_PREFERENCE} the server offers. `undefined` when none fits.
 */
export function chooseChallenge (challenges: Challenge[], allowed: readonly DigestAlgorithm[] = ALGORITHM_PREFERENCE): DigestChallenge | undefined {
  let best: DigestChallenge | undefined
  let bestRank = Infinity
  for (const { scheme, params } of challenges) {
    if (scheme !== 'digest' || params.realm === undefined || params.nonce === undefined) continue
    const qops = (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase())
    if (!qops.includes('auth')) continue
    const named = params.algorithm ?? 'MD5'
    const algorithm = ALGORITHM_PREFERENCE.find((a) => a.toLowerCase() === named.toLowerCase())
    if (algorithm === undefined || !allowed.includes(algorithm)) continue
    const rank = ALGORITHM_PREFERENCE.indexOf(algorithm)
    if (rank < bestRank) {
      bestRank = rank
      best = {
        algorithm,
        realm: params.realm,
        nonce: params.nonce,
        ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
        userhash: params.userhash?.toLowerCase() === 'true',
        stale: params.stale?.toLowerCase() === 'true'
      }
    }
  }
  return best
}

const hex = (hash: string, text: string): string => createHash(hash).update(text, 'utf8').digest('hex')
const quote = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`

/**
 * A Digest session on one nonce: `authorization(method, uri)` gives the next `Authorization`
 * value, `nc` rising by one each time (RFC 7616 §3.4, "nc").
 */
export class DigestSession {
  private nc = 0
  private readonly ha1: string
  private readonly hash: string

  /** @param cnonce the client nonce; default 16 random bytes, base64url (given only to check published vectors). */
  constructor (readonly challenge: DigestChallenge, private readonly username: string, password: string, private readonly cnonce = randomBytes(16).toString('base64url')) {
    const base = challenge.algorithm.replace(/-sess$/, '')
    this.hash = HASHES[base] as string
    const ha1 = hex(this.hash, `${username}:${challenge.realm}:${password}`)
    // -sess (§3.4.2): HA1 = H(H(user:realm:password):nonce:cnonce), fixed for the session.
    this.ha1 = challenge.algorithm.endsWith('-sess') ? hex(this.hash, `${ha1}:${challenge.nonce}:${this.cnonce}`) : ha1
  }

  /** How many requests this session has signed. */
  get count (): number { return this.nc }

  /**
   * The `Authorization` header value for the next request (§3.4).
   * @param uri the request-target as sent: path and query.
   */
  authorization (method: string, uri: string): string {
    this.nc += 1
    const nc = this.nc.toString(16).padStart(8, '0')
    const ha2 = hex(this.hash, `${method}:${uri}`)
    const response = hex(this.hash, `${this.ha1}:${this.challenge.nonce}:${nc}:${this.cnonce}:auth:${ha2}`)
    const user = this.challenge.userhash
      ? `username="${hex(this.hash, `${this.username}:${this.challenge.realm}`)}", userhash=true`
      : /^[\x20-\x7e]*$/.test(this.username)
        ? `username=${quote(this.username)}`
        : `username*=UTF-8''${encodeURIComponent(this.username)}`
    return [
      `Digest ${user}`,
      `realm=${quote(this.challenge.realm)}`,
      `uri=${quote(uri)}`,
      `algorithm=${this.challenge.algorithm}`,
      `nonce=${quote(this.challenge.nonce)}`,
      `nc=${nc}`,
      `cnonce=${quote(this.cnonce)}`,
      'qop=auth',
      `response=${quote(response)}`,
      ...(this.challenge.opaque !== undefined ? [`opaque=${quote(this.challenge.opaque)}`] : [])
    ].join(', ')
  }

  /** The same session on the server's `nextnonce` (Authentication-Info, RFC 7616 §3.5): nc starts again at 1. */
  withNonce (nonce: string, password: string): DigestSession {
    return new DigestSession({ ...this.challenge, nonce }, this.username, password)
  }
}

/** `Authentication-Info` (RFC 7616 §3.5) parameters, names lowercased. */
export function parseAuthenticationInfo (header: string | string[] | undefined): Record<string, string> {
  if (header === undefined) return {}
  const parsed = parseChallenges(`x ${Array.isArray(header) ? header.join(', ') : header}`)
  return parsed[0]?.params ?? {}
}
