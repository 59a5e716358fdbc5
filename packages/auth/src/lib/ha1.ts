/**
 * The hash functions of HTTP Digest (RFC 7616 §3.4.1 - §3.4.4, §3.9.1).
 *
 * RFC 7616 registers six algorithms over three hash functions: `MD5`, `SHA-256` and
 * `SHA-512-256` (SHA-512/256 of FIPS 180-4), each with a `-sess` variant. A `-sess`
 * variant uses the HA1 of its hash function as the base of a per-session HA1
 * (§3.4.2), so an API key stores one HA1 per hash function, three in all.
 *
 * @module
 */
import { hash as oneShotHash } from 'node:crypto'

/** A hash function of HTTP Digest (RFC 7616 §3.3, §6.1). */
export type DigestHashName = 'MD5' | 'SHA-256' | 'SHA-512-256'

/**
 * A Digest algorithm (RFC 7616 §3.3, the IANA "HTTP Digest Hash Algorithms" registry):
 * a hash function, or its `-sess` variant.
 */
export type DigestAlgorithm = DigestHashName | 'MD5-sess' | 'SHA-256-sess' | 'SHA-512-256-sess'

/** Every hash function, strongest first. */
export const DIGEST_HASH_NAMES: readonly DigestHashName[] = Object.freeze(['SHA-512-256', 'SHA-256', 'MD5'] as const)

/** Every algorithm this package implements. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze([
  'SHA-512-256', 'SHA-512-256-sess', 'SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'
] as const)

/** What each algorithm is made of, precomputed once. */
export interface AlgorithmInfo {
  /** The algorithm's name as written in headers. */
  readonly name: DigestAlgorithm
  /** Its hash function (the key of `ApiKeyCredentials.ha1`). */
  readonly hash: DigestHashName
  /** `true` for a `-sess` variant (RFC 7616 §3.4.2). */
  readonly session: boolean
  /** Length in hex characters of its digests. */
  readonly hexLength: number
  /** OpenSSL name for `crypto.createHash`. */
  readonly nodeHash: string
}

const NODE_HASH: Record<DigestHashName, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' }
const HEX_LENGTH: Record<DigestHashName, number> = { MD5: 32, 'SHA-256': 64, 'SHA-512-256': 64 }

const INFO = new Map<string, AlgorithmInfo>()
for (const name of DIGEST_ALGORITHMS) {
  const session = name.endsWith('-sess')
  const hash = (session ? name.slice(0, -5) : name) as DigestHashName
  INFO.set(name, Object.freeze({ name, hash, session, hexLength: HEX_LENGTH[hash], nodeHash: NODE_HASH[hash] }))
}

/** `true` when `value` is one of {@link DIGEST_ALGORITHMS} (exact spelling). */
export function isDigestAlgorithm (value: unknown): value is DigestAlgorithm {
  return typeof value === 'string' && INFO.has(value)
}

/** `true` when `value` is one of {@link DIGEST_HASH_NAMES} (exact spelling). */
export function isDigestHashName (value: unknown): value is DigestHashName {
  return value === 'MD5' || value === 'SHA-256' || value === 'SHA-512-256'
}

/**
 * Looks an algorithm up case-insensitively, as received in a header (`sha-256-SESS`).
 * @returns its description, or `undefined` for an unknown name.
 */
export function algorithmInfo (name: string): AlgorithmInfo | undefined {
  const exact = INFO.get(name)
  if (exact !== undefined) return exact
  const upper = name.toUpperCase()
  return INFO.get(upper.endsWith('-SESS') ? `${upper.slice(0, -5)}-sess` : upper)
}

/**
 * H(data) of RFC 7616 §3.4: the hash of the UTF-8 bytes of `data`, lowercase hex.
 * @param hash - a hash function or an algorithm (a `-sess` algorithm uses its hash function).
 */
export function digestHash (hash: DigestAlgorithm, data: string): string {
  const info = INFO.get(hash)
  if (info === undefined) throw new TypeError(`unsupported Digest algorithm: ${String(hash)}`)
  // One-shot `crypto.hash` (Node 20.12+): no Hash object per call (strings are hashed as UTF-8).
  return oneShotHash(info.nodeHash, data, 'hex')
}

/**
 * Computes HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2), the only form in
 * which a key store keeps a private key. A `-sess` algorithm gives the HA1 of its hash
 * function: the base that {@link sessionHA1} combines with the nonce and cnonce.
 *
 * For an API key, `username` is the public key and `password` the private key; `realm`
 * must be the plugin's `realm` option, since HA1 depends on it.
 *
 * @returns lowercase hex (32 characters for MD5, 64 for SHA-256 and SHA-512-256).
 * @throws TypeError when `algorithm` is not one of {@link DIGEST_ALGORITHMS}.
 */
export function computeHA1 (algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  if (!isDigestAlgorithm(algorithm)) throw new TypeError(`unsupported Digest algorithm: ${String(algorithm)}`)
  return digestHash(algorithm, `${username}:${realm}:${password}`)
}

/**
 * The HA1 of every hash function, what a key store keeps for an API key so that any
 * algorithm can be offered later without rotating keys (RFC 7616 §3.4.2).
 *
 * @returns `{ MD5, 'SHA-256', 'SHA-512-256' }`, lowercase hex.
 */
export function computeAllHA1 (username: string, realm: string, password: string): Record<DigestHashName, string> {
  return {
    MD5: computeHA1('MD5', username, realm, password),
    'SHA-256': computeHA1('SHA-256', username, realm, password),
    'SHA-512-256': computeHA1('SHA-512-256', username, realm, password)
  }
}

/**
 * The HA1 of a `-sess` algorithm (RFC 7616 §3.4.2):
 * H(H(username ":" realm ":" password) ":" nonce ":" cnonce).
 *
 * @param baseHA1 - the stored HA1 of the algorithm's hash function, lowercase hex.
 */
export function sessionHA1 (algorithm: DigestAlgorithm, baseHA1: string, nonce: string, cnonce: string): string {
  return digestHash(algorithm, `${baseHA1}:${nonce}:${cnonce}`)
}

/**
 * The `username` a client sends with `userhash=true` (RFC 7616 §3.4.4):
 * H(username ":" realm), lowercase hex.
 */
export function computeUserhash (hash: DigestAlgorithm, username: string, realm: string): string {
  return digestHash(hash, `${username}:${realm}`)
}

/** The fields of one request that enter `response` and `rspauth`. */
export interface ResponseFields {
  /** The server's nonce as received. */
  nonce: string
  /** The nonce count as sent: 8 hex digits. */
  nc: string
  /** The client nonce. */
  cnonce: string
  /** The method the client hashed: the method on the request line. Empty for `rspauth`. */
  method: string
  /** The `uri` parameter (the request-target). */
  uri: string
}

/**
 * Computes `response` for `qop=auth` (RFC 7616 §3.4.1):
 * H(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" HA2), HA2 = H(method ":" uri) (§3.4.3).
 *
 * @param ha1 - lowercase hex: the HA1 of a plain algorithm, or {@link sessionHA1} for `-sess`.
 */
export function digestResponse (algorithm: DigestAlgorithm, ha1: string, fields: ResponseFields): string {
  return responseDigest(algorithm, ha1, fields.nonce, fields.nc, fields.cnonce, fields.method, fields.uri)
}

/**
 * {@link digestResponse} with the fields as arguments (the verifier's per-request path: no
 * object built per call). Same formula, RFC 7616 §3.4.1.
 */
export function responseDigest (algorithm: DigestAlgorithm, ha1: string, nonce: string, nc: string, cnonce: string, method: string, uri: string): string {
  const ha2 = digestHash(algorithm, `${method}:${uri}`)
  return digestHash(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)
}

/**
 * Computes `rspauth` of `Authentication-Info` (RFC 7616 §3.5): the `response` formula with
 * an empty method, HA2 = H(":" uri), proving to the client that the server knows HA1.
 */
export function digestRspauth (algorithm: DigestAlgorithm, ha1: string, fields: Omit<ResponseFields, 'method'>): string {
  return responseDigest(algorithm, ha1, fields.nonce, fields.nc, fields.cnonce, '', fields.uri)
}
