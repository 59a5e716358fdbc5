/**
 * The client side of HTTP Digest: answering a challenge (RFC 7616 §3.4).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { DigestAlgorithm } from '../../index.js'
import { InvalidChallengeError } from '../../errors.js'
import { computeHA1, digestResponse, isDigestAlgorithm } from '../ha1.js'
import { parseAuthHeader, quote } from './parse.js'

/** Input of {@link digestAuthorization}. */
export interface DigestAuthorizationOptions {
  /**
   * A `WWW-Authenticate` value: one challenge, or several comma-separated (as
   * `fetch`'s `headers.get('www-authenticate')` joins header lines).
   */
  challenge: string
  /** Digest `username`: for an API key, its public key. */
  username: string
  /** The password: for an API key, its private key. Used only to compute HA1. */
  password: string
  /** HTTP method of the request, e.g. `GET`. */
  method: string
  /** The request-target exactly as sent on the request line, e.g. `/api/v1/catalogs?limit=5`. */
  uri: string
  /** Nonce count: how many requests this nonce has served including this one; integer 1..2^32-1. Default 1. */
  nc?: number
  /** Client nonce. Default: 16 random bytes as base64url. */
  cnonce?: string
}

/**
 * Builds the `Authorization` header value answering a Digest challenge with `qop=auth`
 * (RFC 7616 §3.4), e.g. `Digest username="…", realm="…", uri="…", algorithm=SHA-256,
 * nonce="…", nc=00000001, cnonce="…", qop=auth, response="…", opaque="…"`.
 *
 * The first Digest challenge that this package can answer is used (server order:
 * SHA-256 first): algorithm `SHA-256` or `MD5` (absent means MD5), `qop` offering
 * `auth`, `realm` and `nonce` present. `-sess` algorithms, `auth-int` alone and
 * challenges without `qop` (RFC 2069) are skipped; `userhash` is not used.
 *
 * @returns the header value to send.
 * @throws `INVALID_DIGEST_CHALLENGE` when no challenge qualifies or the value is malformed.
 * @throws RangeError when `nc` is not an integer in 1..4294967295.
 * @throws TypeError when `username` or `cnonce` holds a control character.
 */
export function digestAuthorization (opts: DigestAuthorizationOptions): string {
  const nc = opts.nc ?? 1
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw new RangeError('nc must be an integer in 1..4294967295')
  const schemes = parseAuthHeader(opts.challenge)
  if (schemes === undefined) throw new InvalidChallengeError('the WWW-Authenticate value is malformed')

  let chosen: { algorithm: DigestAlgorithm, realm: string, nonce: string, opaque: string | undefined } | undefined
  for (const { scheme, params } of schemes) {
    if (scheme.toLowerCase() !== 'digest') continue
    const algorithm = (params.algorithm ?? 'MD5').toUpperCase()
    const qopOptions = (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase())
    if (!isDigestAlgorithm(algorithm) || !qopOptions.includes('auth')) continue
    if (params.realm === undefined || params.nonce === undefined) continue
    chosen = { algorithm, realm: params.realm, nonce: params.nonce, opaque: params.opaque }
    break
  }
  if (chosen === undefined) throw new InvalidChallengeError('no Digest challenge with algorithm SHA-256 or MD5 and qop "auth"')

  const ncText = nc.toString(16).padStart(8, '0')
  const cnonce = opts.cnonce ?? randomBytes(16).toString('base64url')
  const ha1 = computeHA1(chosen.algorithm, opts.username, chosen.realm, opts.password)
  const response = digestResponse(chosen.algorithm, ha1, {
    nonce: chosen.nonce, nc: ncText, cnonce, method: opts.method, uri: opts.uri
  })
  const fields = [
    `username=${quote(opts.username)}`,
    `realm=${quote(chosen.realm)}`,
    `uri=${quote(opts.uri)}`,
    `algorithm=${chosen.algorithm}`,
    `nonce=${quote(chosen.nonce)}`,
    `nc=${ncText}`,
    `cnonce=${quote(cnonce)}`,
    'qop=auth',
    `response="${response}"`
  ]
  if (chosen.opaque !== undefined) fields.push(`opaque=${quote(chosen.opaque)}`)
  return `Digest ${fields.join(', ')}`
}
