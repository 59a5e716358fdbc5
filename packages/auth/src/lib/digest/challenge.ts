/**
 * The `WWW-Authenticate` challenge (RFC 7616 §3.3).
 *
 * @module
 */
import type { DigestAlgorithm } from '../../index.js'
import { DIGEST_ALGORITHMS } from '../ha1.js'
import { quote } from './parse.js'

/** What goes into the challenges of one 401 answer. */
export interface ChallengeFields {
  /** Protection space; compared verbatim with the client's `realm`. */
  realm: string
  /** Enabled algorithms; one challenge each, SHA-256 before MD5 whatever the order given. */
  algorithms: readonly DigestAlgorithm[]
  /** A fresh nonce (see `createNonce`). */
  nonce: string
  /** The fixed opaque value (see `deriveOpaque`). */
  opaque: string
  /** Adds `stale=true`: the client's nonce was genuine and its response right, but the nonce expired. */
  stale?: boolean
}

/**
 * Builds one challenge per enabled algorithm, strongest first, e.g.
 * `Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="…", opaque="…"`.
 *
 * Send each as its own `WWW-Authenticate` header line: curl answers the first Digest
 * challenge it sees, Python requests the last.
 *
 * @returns the header values in sending order.
 */
export function buildChallenges (fields: ChallengeFields): string[] {
  const realm = quote(fields.realm)
  const nonce = quote(fields.nonce)
  const opaque = quote(fields.opaque)
  const stale = fields.stale === true ? ', stale=true' : ''
  return DIGEST_ALGORITHMS
    .filter((algorithm) => fields.algorithms.includes(algorithm))
    .map((algorithm) => `Digest realm=${realm}, qop="auth", algorithm=${algorithm}, nonce=${nonce}, opaque=${opaque}${stale}`)
}
