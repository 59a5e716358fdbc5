/**
 * Checks an `Authorization: Digest …` header (RFC 7616 §3.4).
 *
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { ApiKeyCredentials, DigestAlgorithm, KeyStore } from '../../index.js'
import { DIGEST_HEX_LENGTH, digestResponse, isDigestAlgorithm } from '../ha1.js'
import { checkNonce } from '../nonce.js'
import { parseCredentials } from './parse.js'

/** Longest `Authorization` value examined, in bytes; longer ones are refused unread. */
export const MAX_AUTHORIZATION_BYTES = 4096

/** Longest `cnonce` accepted, in characters. */
const MAX_CNONCE_CHARS = 256

/** Everything a verifier needs, fixed at registration. */
export interface DigestVerifierOptions {
  /** The protection space; the client's `realm` must equal it. */
  realm: string
  /** Algorithms accepted in `algorithm` (absent `algorithm` means MD5, RFC 7616 §3.4). */
  algorithms: readonly DigestAlgorithm[]
  /** Where API keys are looked up by public key (= Digest `username`). */
  keyStore: KeyStore
  /** HMAC key of the nonces. */
  nonceSecret: Buffer
  /** Maximum nonce age in seconds. */
  nonceLifetimeSeconds: number
  /** The opaque value of our challenges; when the client sends `opaque`, it must equal this. */
  opaque: string
}

/** The request fields the check reads. */
export interface DigestRequest {
  /** HTTP method, e.g. `GET` (the `method` of HA2). */
  method: string
  /** The request-target exactly as received, e.g. `/x?a=1`; the client's `uri` must equal it. */
  url: string
  /** The `Authorization` header value, if any. */
  authorization: string | undefined
}

/**
 * Outcome of a check. `ok: false` never says why (every failure must look the same
 * to the client), except `stale`: the nonce was ours and the response right, but the
 * nonce has expired, so the client may retry with a new nonce (RFC 7616 §3.3).
 */
export type DigestOutcome =
  | { ok: true, credentials: ApiKeyCredentials }
  | { ok: false, stale: boolean }

const FAILED: DigestOutcome = Object.freeze({ ok: false, stale: false })

function isHex (value: string, length: number): boolean {
  if (value.length !== length) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false
  }
  return true
}

/**
 * Creates the check for one plugin registration.
 *
 * Rules (RFC 7616 §3.4): scheme `Digest`; `username`, `realm` (equal to ours), `nonce`
 * (ours, unexpired), `uri` (equal to the request-target), `response`, `qop=auth`, `nc`
 * (8 hex digits) and `cnonce` are required; `algorithm` must be an enabled one, and
 * when absent means MD5; `opaque`, when sent, must be ours. Not supported, so refused:
 * `userhash=true`, `username*`, the `-sess` algorithms, `qop=auth-int`.
 *
 * The key is looked up with `keyStore.getByPublicKey(username)` and the response
 * computed from its `ha1[algorithm]` (the returned `publicKey` must equal `username`);
 * an unknown key or a missing or malformed HA1 still costs one
 * hash computation and compare, so timing does not tell them apart.
 *
 * @returns an async function; it rejects only when the key store does.
 */
export function createDigestVerifier (options: DigestVerifierOptions): (request: DigestRequest) => Promise<DigestOutcome> {
  const { realm, algorithms, keyStore, nonceSecret, nonceLifetimeSeconds, opaque } = options
  const enabled = new Set<DigestAlgorithm>(algorithms)
  // Used when the key is unknown, so the failure takes as long as a wrong key.
  const dummyHA1: Record<DigestAlgorithm, string> = {
    'SHA-256': randomBytes(32).toString('hex'),
    MD5: randomBytes(16).toString('hex')
  }

  return async function verifyDigest (request: DigestRequest): Promise<DigestOutcome> {
    const header = request.authorization
    if (typeof header !== 'string' || header.length === 0 || header.length > MAX_AUTHORIZATION_BYTES) return FAILED
    const credentials = parseCredentials(header)
    if (credentials === undefined || credentials.scheme.toLowerCase() !== 'digest') return FAILED
    const p = credentials.params

    const { username, nonce, uri, response, nc, cnonce } = p
    if (username === undefined || username.length === 0 || p['username*'] !== undefined) return FAILED
    if (p.userhash !== undefined && p.userhash.toLowerCase() !== 'false') return FAILED
    if (p.realm !== realm) return FAILED
    if (uri !== request.url) return FAILED
    if (p.qop !== 'auth') return FAILED
    if (nc === undefined || !isHex(nc, 8)) return FAILED
    if (cnonce === undefined || cnonce.length === 0 || cnonce.length > MAX_CNONCE_CHARS) return FAILED
    if (nonce === undefined || response === undefined) return FAILED

    const algorithm = (p.algorithm ?? 'MD5').toUpperCase()
    if (!isDigestAlgorithm(algorithm) || !enabled.has(algorithm)) return FAILED
    if (!isHex(response, DIGEST_HEX_LENGTH[algorithm])) return FAILED
    if (p.opaque !== undefined && p.opaque !== opaque) return FAILED

    const nonceState = checkNonce(nonce, nonceSecret, nonceLifetimeSeconds)
    if (nonceState === 'invalid') return FAILED

    const key = await keyStore.getByPublicKey(username)
    const storedHA1 = key?.ha1?.[algorithm]
    const known = key !== undefined && key.publicKey === username &&
      typeof storedHA1 === 'string' && isHex(storedHA1, DIGEST_HEX_LENGTH[algorithm])
    const ha1 = known ? storedHA1.toLowerCase() : dummyHA1[algorithm]
    const expected = digestResponse(algorithm, ha1, { nonce, nc, cnonce, method: request.method, uri })
    const matches = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(response, 'hex'))
    if (!matches || !known) return FAILED
    if (nonceState === 'stale') return { ok: false, stale: true }
    return { ok: true, credentials: key }
  }
}
