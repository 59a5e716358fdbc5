/**
 * Checks an `Authorization: Digest …` header (RFC 7616 §3.4) and builds the
 * `Authentication-Info` answer (§3.5).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { ApiKeyCredentials, KeyStore } from '../../index.js'
import { algorithmInfo, computeUserhash, responseDigest, sessionHA1, type DigestAlgorithm, type DigestHashName } from '../ha1.js'
import { createNonce, nonceAge, readNonce } from '../nonce.js'
import type { NonceCountStore, NonceCountResult, VerifiedNonce } from '../nonce-count-store.js'
import { decodeExtValue } from './ext-value.js'
import { parseDigestCredentials, quote } from './parse.js'

/** Longest `Authorization` value examined, in bytes; longer ones are refused unread. */
export const MAX_AUTHORIZATION_BYTES = 4096

/** Longest `cnonce` accepted, in characters. */
const MAX_CNONCE_CHARS = 256

/** Everything a verifier needs, fixed at registration. */
export interface DigestVerifierOptions {
  /** The protection space; the client's `realm` must equal it. */
  realm: string
  /** Algorithms accepted in `algorithm` (absent `algorithm` means MD5, RFC 7616 §3.4); any other is refused. */
  algorithms: readonly DigestAlgorithm[]
  /** Where API keys are looked up by public key (= Digest `username`). */
  keyStore: KeyStore
  /** HMAC key of the nonces (at least 32 bytes). */
  nonceSecret: Buffer
  /** Maximum nonce age in seconds. */
  nonceLifetimeSeconds: number
  /** The opaque value of our challenges; when the client sends `opaque`, it must equal this. */
  opaque: string
  /**
   * Replay protection: the highest `nc` per nonce. Without it (benchmarks only) a captured
   * header can be replayed for the nonce's lifetime.
   */
  nonceCountStore?: NonceCountStore
  /** Accept `userhash=true` (needs `keyStore.getByUserhash`). Default false. */
  userhash?: boolean
  /**
   * Seconds before a nonce's end from which `Authentication-Info` carries a `nextnonce`
   * (RFC 7616 §3.5). Default: a fifth of the lifetime.
   */
  nextnonceWithinSeconds?: number
}

/** The request fields the check reads. */
export interface DigestRequest {
  /**
   * The method the client hashed: the one on the request line (`POST` for a request
   * whose method `X-HTTP-Method-Override` changed), the `method` of HA2.
   */
  method: string
  /** The request-target exactly as received, e.g. `/x?a=1`; the client's `uri` must equal it. */
  url: string
  /** The `Authorization` header value, if any. */
  authorization: string | undefined
}

/**
 * Outcome of a check. `ok: false` never says why (every failure must look the same
 * to the client), except `stale`: the nonce was ours and the response right, but the
 * nonce has expired (or the replay state no longer knows it), so the client may retry
 * with a new nonce without asking its user again (RFC 7616 §3.3).
 */
export type DigestOutcome =
  | {
    ok: true
    credentials: ApiKeyCredentials
    /** The `Authentication-Info` value to send (RFC 7616 §3.5). */
    authenticationInfo: string
    /** The algorithm the client used. */
    algorithm: DigestAlgorithm
  }
  | { ok: false, stale: boolean }

const FAILED: DigestOutcome = Object.freeze({ ok: false, stale: false })
const STALE: DigestOutcome = Object.freeze({ ok: false, stale: true })

/** 1 for the hex digits `0-9a-fA-F`, by character code below 128. */
const HEX_DIGIT = new Uint8Array(128)
for (const c of '0123456789abcdefABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 1

/**
 * Compares lowercase hex `expected` with `received` in time that depends only on their lengths,
 * without decoding either into a Buffer: `true` when `received` holds the same hex digits in any
 * case. A character of `received` that is not a hex digit makes the answer `false`, so `received`
 * needs no separate check.
 */
function hexEqualConstantTime (expected: string, received: string): boolean {
  let diff = expected.length ^ received.length
  const n = Math.min(expected.length, received.length)
  for (let i = 0; i < n; i++) {
    const c = received.charCodeAt(i)
    // `| 0x20` lowers A-F and leaves 0-9 alone; `c >> 7` and the table refuse every non-digit
    // (some, like 0x10, would otherwise lower onto a digit).
    diff |= (expected.charCodeAt(i) ^ (c | 0x20)) | (c >> 7) | (HEX_DIGIT[c & 0x7f] as number ^ 1)
  }
  return diff === 0
}

function isHex (value: string, length: number): boolean {
  if (value.length !== length) return false
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i)
    if (c >= 128 || HEX_DIGIT[c] === 0) return false
  }
  return true
}

/**
 * Creates the check for one plugin registration.
 *
 * Rules (RFC 7616 §3.4): scheme `Digest`; `username` (or `username*`, RFC 8187, never
 * both), `realm` (equal to ours), `nonce` (ours, unexpired), `uri` (equal to the
 * request-target), `response`, `qop=auth`, `nc` (8 hex digits) and `cnonce` are
 * required; `algorithm` must be an offered one, and when absent means MD5; `opaque`,
 * when sent, must be ours; `userhash=true` only when enabled (then `username` is
 * H(publicKey ":" realm), §3.4.4). `qop=auth-int` is refused.
 *
 * The key is looked up with `keyStore.getByPublicKey(username)` (or `getByUserhash`) and
 * the response computed from its `ha1[hash function]` (a `-sess` algorithm derives the
 * session HA1 from it, §3.4.2). An unknown key or a missing HA1 still costs the same hash
 * computations and compare, so timing does not tell them apart.
 *
 * Then replay protection: `nc` must be above every `nc` accepted before with this nonce
 * (`nonceCountStore.advance`), checked only once the response is proven right.
 *
 * Verified nonces are remembered: when the store implements `verifiedNonce` (the
 * `MemoryNonceCountStore` does), a nonce it holds, unexpired, was proven ours before, so its
 * HMAC is not computed again; the same record then serves the replay check (one lookup).
 * Everything else (realm, uri, key, `response`, `nc`) is checked on every request.
 *
 * @returns an async function; it rejects only when the key store or the nonce count store does.
 */
export function createDigestVerifier (options: DigestVerifierOptions): (request: DigestRequest) => Promise<DigestOutcome> {
  const { realm, algorithms, keyStore, nonceSecret, nonceLifetimeSeconds, opaque, nonceCountStore } = options
  const userhashEnabled = options.userhash === true && typeof keyStore.getByUserhash === 'function'
  const lifetimeMs = nonceLifetimeSeconds * 1000
  const nextnonceWithinMs = (options.nextnonceWithinSeconds ?? nonceLifetimeSeconds / 5) * 1000
  const enabled = new Set<string>(algorithms)
  const lookupVerified = typeof nonceCountStore?.verifiedNonce === 'function'
    ? nonceCountStore.verifiedNonce.bind(nonceCountStore)
    : undefined
  // Used when the key is unknown, so the failure takes as long as a wrong key.
  const dummyHA1: Record<DigestHashName, string> = {
    MD5: randomBytes(16).toString('hex'),
    'SHA-256': randomBytes(32).toString('hex'),
    'SHA-512-256': randomBytes(32).toString('hex')
  }

  return async function verifyDigest (request: DigestRequest): Promise<DigestOutcome> {
    const header = request.authorization
    if (typeof header !== 'string' || header.length === 0 || header.length > MAX_AUTHORIZATION_BYTES) return FAILED
    const p = parseDigestCredentials(header)
    if (p === undefined) return FAILED

    const { nonce, uri, response, nc, cnonce } = p
    let userhash = false
    if (p.userhash !== undefined) {
      const value = p.userhash.toLowerCase()
      if (value === 'true') userhash = true
      else if (value !== 'false') return FAILED
    }
    if (userhash && !userhashEnabled) return FAILED
    let username = p.username
    const extUsername = p.usernameExt
    if (extUsername !== undefined) {
      // RFC 7616 §3.4: username* only when username is absent, and never with userhash.
      if (username !== undefined || userhash) return FAILED
      username = decodeExtValue(extUsername)
    }
    if (username === undefined || username.length === 0) return FAILED
    if (p.realm !== realm) return FAILED
    if (uri !== request.url) return FAILED
    if (p.qop !== 'auth') return FAILED
    if (nc === undefined || !isHex(nc, 8)) return FAILED
    // nc=00000000 is below the RFC's count (which starts at 1), but Ruby's net-http-digest-auth
    // sends it first; it is accepted once per nonce like any other value, so it cannot replay.
    const ncValue = Number.parseInt(nc, 16)
    if (cnonce === undefined || cnonce.length === 0 || cnonce.length > MAX_CNONCE_CHARS) return FAILED
    if (nonce === undefined || response === undefined) return FAILED

    const info = algorithmInfo(p.algorithm ?? 'MD5')
    if (info === undefined || !enabled.has(info.name)) return FAILED
    // Its digits are checked by the constant-time compare below.
    if (response.length !== info.hexLength) return FAILED
    if (p.opaque !== undefined && p.opaque !== opaque) return FAILED

    const nowMs = Date.now()
    // One lookup: a nonce the replay state holds was verified (HMAC and a response) before.
    const verified: VerifiedNonce | undefined = lookupVerified?.(nonce, nowMs)
    let issuedAtMs: number
    let nonceState: 'valid' | 'stale' | 'invalid'
    if (verified !== undefined) {
      issuedAtMs = verified.issuedAtMs
      nonceState = nonceAge(issuedAtMs, nonceLifetimeSeconds, nowMs)
    } else {
      const read = readNonce(nonce, nonceSecret)
      if (read === undefined) return FAILED
      issuedAtMs = read
      nonceState = nonceAge(issuedAtMs, nonceLifetimeSeconds, nowMs)
    }
    if (nonceState === 'invalid') return FAILED

    let key: ApiKeyCredentials | undefined
    let known: boolean
    if (userhash) {
      const hashedName = username.toLowerCase()
      key = isHex(hashedName, info.hexLength) ? await keyStore.getByUserhash?.(hashedName, info.hash, realm) : undefined
      known = key !== undefined && computeUserhash(info.hash, key.publicKey, realm) === hashedName
    } else {
      key = await keyStore.getByPublicKey(username)
      known = key !== undefined && key.publicKey === username
    }
    const storedHA1 = key?.ha1?.[info.hash]
    known = known && typeof storedHA1 === 'string' && isHex(storedHA1, info.hexLength)
    const baseHA1 = known ? (storedHA1 as string).toLowerCase() : dummyHA1[info.hash]
    const ha1 = info.session ? sessionHA1(info.name, baseHA1, nonce, cnonce) : baseHA1
    const expected = responseDigest(info.name, ha1, nonce, nc, cnonce, request.method, uri)
    const matches = hexEqualConstantTime(expected, response)
    if (!matches || !known || key === undefined) return FAILED
    if (nonceState === 'stale') return STALE

    const expiresAtMs = issuedAtMs + lifetimeMs
    if (nonceCountStore !== undefined) {
      let result: NonceCountResult | Promise<NonceCountResult> = verified !== undefined
        ? nonceCountStore.advance(nonce, ncValue, verified, verified)
        : nonceCountStore.advance(nonce, ncValue, { issuedAtMs, expiresAtMs })
      if (typeof result !== 'string') result = await result
      if (result === 'replayed') return FAILED
      if (result === 'forgotten') return STALE
    }

    let authenticationInfo = `rspauth="${responseDigest(info.name, ha1, nonce, nc, cnonce, '', uri)}", qop=auth, nc=${nc}, cnonce=${quote(cnonce)}`
    if (expiresAtMs - nowMs <= nextnonceWithinMs) authenticationInfo += `, nextnonce="${createNonce(nonceSecret, nowMs)}"`
    return { ok: true, credentials: key, authenticationInfo, algorithm: info.name }
  }
}
