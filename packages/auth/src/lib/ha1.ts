/**
 * The hash functions of HTTP Digest (RFC 7616 §3.4.1, §3.4.2).
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { DigestAlgorithm } from '../index.js'

/** Every algorithm this package implements, in the order challenges are sent (strongest first). */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze(['SHA-256', 'MD5'] as const)

const NODE_HASH: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' }

/** Length in hex characters of a digest made with each algorithm. */
export const DIGEST_HEX_LENGTH: Record<DigestAlgorithm, number> = { 'SHA-256': 64, MD5: 32 }

/** `true` when `value` is one of {@link DIGEST_ALGORITHMS} (case-sensitive). */
export function isDigestAlgorithm (value: unknown): value is DigestAlgorithm {
  return value === 'SHA-256' || value === 'MD5'
}

/**
 * H(data) of RFC 7616 §3.4: the algorithm's hash of the UTF-8 bytes of `data`, as lowercase hex.
 */
export function digestHash (algorithm: DigestAlgorithm, data: string): string {
  return createHash(NODE_HASH[algorithm]).update(data, 'utf8').digest('hex')
}

/**
 * Computes HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2, non-`-sess`
 * algorithms), the only form in which a key store keeps a private key.
 *
 * For an API key, `username` is the public key and `password` the private key; `realm`
 * must be the plugin's `realm` option, since HA1 depends on it.
 *
 * @param algorithm - `'SHA-256'` or `'MD5'`.
 * @returns lowercase hex (64 characters for SHA-256, 32 for MD5).
 * @throws TypeError when `algorithm` is not a supported algorithm.
 */
export function computeHA1 (algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  if (!isDigestAlgorithm(algorithm)) throw new TypeError(`unsupported Digest algorithm: ${String(algorithm)}`)
  return digestHash(algorithm, `${username}:${realm}:${password}`)
}

/**
 * Computes the `response` value for `qop=auth` (RFC 7616 §3.4.1):
 * H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2) with HA2 = H(method ":" uri) (§3.4.3).
 *
 * @param ha1 - lowercase hex HA1 (see {@link computeHA1}).
 * @param nc - the nonce count as sent: 8 hex digits.
 */
export function digestResponse (
  algorithm: DigestAlgorithm,
  ha1: string,
  fields: { nonce: string, nc: string, cnonce: string, method: string, uri: string }
): string {
  const ha2 = digestHash(algorithm, `${fields.method}:${fields.uri}`)
  return digestHash(algorithm, `${ha1}:${fields.nonce}:${fields.nc}:${fields.cnonce}:auth:${ha2}`)
}
