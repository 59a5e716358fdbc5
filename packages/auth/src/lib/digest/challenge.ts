/**
 * The `WWW-Authenticate` challenge (RFC 7616 §3.3).
 *
 * @module
 */
import type { DigestAlgorithm } from '../ha1.js'
import { quote } from './parse.js'

/** What goes into the challenges of one 401 answer. */
export interface ChallengeFields {
  /** Protection space; compared verbatim with the client's `realm`. */
  realm: string
  /** Offered algorithms, in sending order; one challenge each. */
  algorithms: readonly DigestAlgorithm[]
  /** A fresh nonce (see `createNonce`). */
  nonce: string
  /** The fixed opaque value (see `deriveOpaque`). */
  opaque: string
  /** Adds `charset=UTF-8` (RFC 7616 §3.3): username and password are hashed as UTF-8. */
  charset?: boolean
  /** Adds `userhash=true` (RFC 7616 §3.3, §3.4.4): the server accepts hashed usernames. */
  userhash?: boolean
  /** Adds `stale=true`: the client's nonce was genuine and its response right, but the nonce expired. */
  stale?: boolean
}

/**
 * Builds one challenge per offered algorithm, in the order given, e.g.
 * `Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="…", opaque="…", charset=UTF-8`.
 *
 * Send each as its own `WWW-Authenticate` header line: clients differ on which one they
 * answer (curl, Python urllib and Ruby the first; Python requests, Apache HttpClient and
 * the JDK the last), which is why the order is an option.
 *
 * @returns the header values in sending order.
 */
export function buildChallenges (fields: ChallengeFields): string[] {
  const head = `Digest realm=${quote(fields.realm)}, qop="auth", algorithm=`
  const tail = `, nonce=${quote(fields.nonce)}, opaque=${quote(fields.opaque)}` +
    (fields.charset === true ? ', charset=UTF-8' : '') +
    (fields.userhash === true ? ', userhash=true' : '') +
    (fields.stale === true ? ', stale=true' : '')
  return fields.algorithms.map((algorithm) => head + algorithm + tail)
}
