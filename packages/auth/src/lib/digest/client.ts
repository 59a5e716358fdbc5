/**
 * The client side of HTTP Digest: answering a challenge (RFC 7616 §3.4).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { InvalidChallengeError } from '../../errors.js'
import { algorithmInfo, computeHA1, computeUserhash, digestResponse, sessionHA1, type AlgorithmInfo, type DigestAlgorithm } from '../ha1.js'
import { encodeExtValue } from './ext-value.js'
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
  /** HTTP method of the request line, e.g. `GET`. */
  method: string
  /** The request-target exactly as sent on the request line, e.g. `/api/v1/catalogs?limit=5`. */
  uri: string
  /** Nonce count: how many requests this nonce has served including this one; integer 1..2^32-1. Default 1. */
  nc?: number
  /** Client nonce. Default: 16 random bytes as base64url. */
  cnonce?: string
  /** Answer the challenge of this algorithm. Default: the first challenge this package can answer. */
  algorithm?: DigestAlgorithm
}

/**
 * Builds the `Authorization` header value answering a Digest challenge with `qop=auth`
 * (RFC 7616 §3.4), e.g. `Digest username="…", realm="…", uri="…", algorithm=SHA-256,
 * nonce="…", nc=00000001, cnonce="…", qop=auth, response="…", opaque="…"`.
 *
 * The first Digest challenge that this package can answer is used (or the one of
 * `algorithm`): any RFC 7616 algorithm (absent means MD5), `qop` offering `auth`, `realm`
 * and `nonce` present. With `userhash=true` in the challenge the username is sent hashed
 * (§3.4.4); otherwise a username that is not printable ASCII goes as `username*` (RFC 8187).
 * Challenges with `auth-int` alone and without `qop` (RFC 2069) are skipped.
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

  let chosen: { info: AlgorithmInfo, sentAlgorithm: boolean, realm: string, nonce: string, opaque: string | undefined, userhash: boolean } | undefined
  for (const { scheme, params } of schemes) {
    if (scheme.toLowerCase() !== 'digest') continue
    const info = algorithmInfo(params.algorithm ?? 'MD5')
    const qopOptions = (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase())
    if (info === undefined || !qopOptions.includes('auth')) continue
    if (opts.algorithm !== undefined && info.name !== opts.algorithm) continue
    if (params.realm === undefined || params.nonce === undefined) continue
    chosen = {
      info,
      sentAlgorithm: params.algorithm !== undefined,
      realm: params.realm,
      nonce: params.nonce,
      opaque: params.opaque,
      userhash: params.userhash?.toLowerCase() === 'true'
    }
    break
  }
  if (chosen === undefined) {
    throw new InvalidChallengeError(opts.algorithm === undefined
      ? 'no Digest challenge with an RFC 7616 algorithm and qop "auth"'
      : `no Digest challenge with algorithm ${opts.algorithm} and qop "auth"`)
  }

  const { info } = chosen
  const ncText = nc.toString(16).padStart(8, '0')
  const cnonce = opts.cnonce ?? randomBytes(16).toString('base64url')
  const baseHA1 = computeHA1(info.hash, opts.username, chosen.realm, opts.password)
  const ha1 = info.session ? sessionHA1(info.name, baseHA1, chosen.nonce, cnonce) : baseHA1
  const response = digestResponse(info.name, ha1, {
    nonce: chosen.nonce, nc: ncText, cnonce, method: opts.method, uri: opts.uri
  })
  let user: string
  if (chosen.userhash) user = `username="${computeUserhash(info.hash, opts.username, chosen.realm)}"`
  else if (/^[\x20-\x7e]*$/.test(opts.username)) user = `username=${quote(opts.username)}`
  else user = `username*=${encodeExtValue(opts.username)}`
  const fields = [
    user,
    `realm=${quote(chosen.realm)}`,
    `uri=${quote(opts.uri)}`,
    `algorithm=${info.name}`,
    `nonce=${quote(chosen.nonce)}`,
    `nc=${ncText}`,
    `cnonce=${quote(cnonce)}`,
    'qop=auth',
    `response="${response}"`
  ]
  if (chosen.opaque !== undefined) fields.push(`opaque=${quote(chosen.opaque)}`)
  if (chosen.userhash) fields.push('userhash=true')
  return `Digest ${fields.join(', ')}`
}
