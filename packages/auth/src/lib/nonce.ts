/**
 * Stateless nonces and the opaque value (RFC 7616 §3.3, §5.4).
 *
 * A nonce is base64url( issuedAt | random | mac ) where
 * - `issuedAt`: issue time, milliseconds since the epoch, 8 bytes big-endian;
 * - `random`: 16 random bytes;
 * - `mac`: HMAC-SHA-256(secret, issuedAt | random), 32 bytes.
 *
 * Any instance holding the same secret can check a nonce without shared state; the
 * nonce carries its own age. Replay protection (tracking `nc` per nonce) is the
 * `NonceCountStore`'s job.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const TIME_BYTES = 8
const RANDOM_BYTES = 16
const MAC_BYTES = 32
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES
/** Length of the base64url text of a nonce (no padding). */
const NONCE_CHARS = Math.ceil((NONCE_BYTES * 4) / 3)

/**
 * How far in the future (milliseconds) a nonce's issue time may be, to absorb clock
 * differences between instances that share a secret.
 */
export const NONCE_CLOCK_SKEW_MS = 5_000

/** Result of {@link checkNonce}. `stale`: made with our secret, but older than the lifetime. */
export type NonceState = 'valid' | 'stale' | 'invalid'

function mac (secret: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', secret).update(payload).digest()
}

function isBase64urlChar (c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f
}

/**
 * Issues a fresh nonce.
 *
 * @param secret - HMAC key (at least 32 bytes).
 * @param nowMs - issue time in milliseconds since the epoch (default: now).
 * @returns 75 base64url characters.
 */
export function createNonce (secret: Buffer, nowMs: number = Date.now()): string {
  const payload = Buffer.alloc(TIME_BYTES + RANDOM_BYTES)
  payload.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))), 0)
  randomBytes(RANDOM_BYTES).copy(payload, TIME_BYTES)
  return Buffer.concat([payload, mac(secret, payload)]).toString('base64url')
}

/**
 * Checks that a nonce was made with `secret` and reads its issue time.
 *
 * @param nonce - the `nonce` parameter as received.
 * @returns the issue time in milliseconds since the epoch, or `undefined` when the nonce
 *   is not ours, altered or malformed.
 */
export function readNonce (nonce: string, secret: Buffer): number | undefined {
  if (nonce.length !== NONCE_CHARS) return undefined
  for (let i = 0; i < nonce.length; i++) {
    if (!isBase64urlChar(nonce.charCodeAt(i))) return undefined
  }
  const bytes = Buffer.from(nonce, 'base64url')
  // Reject non-canonical spellings of the same bytes, so one nonce has one text.
  if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) return undefined
  const payload = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES)
  const expected = mac(secret, payload)
  if (!timingSafeEqual(expected, bytes.subarray(TIME_BYTES + RANDOM_BYTES))) return undefined
  return Number(payload.readBigUInt64BE(0))
}

/**
 * Checks a nonce sent back by a client.
 *
 * @param nonce - the `nonce` parameter as received.
 * @param secret - the HMAC key it must have been made with.
 * @param lifetimeSeconds - maximum age in seconds.
 * @param nowMs - current time in milliseconds since the epoch (default: now).
 * @returns `valid` when authentic and at most `lifetimeSeconds` old; `stale` when
 *   authentic but older; `invalid` otherwise (not ours, altered, malformed, or issued
 *   more than {@link NONCE_CLOCK_SKEW_MS} in the future).
 */
export function checkNonce (nonce: string, secret: Buffer, lifetimeSeconds: number, nowMs: number = Date.now()): NonceState {
  const issuedAtMs = readNonce(nonce, secret)
  if (issuedAtMs === undefined) return 'invalid'
  return nonceAge(issuedAtMs, lifetimeSeconds, nowMs)
}

/** The state of an authentic nonce issued at `issuedAtMs` (see {@link checkNonce}). */
export function nonceAge (issuedAtMs: number, lifetimeSeconds: number, nowMs: number = Date.now()): NonceState {
  const ageMs = nowMs - issuedAtMs
  if (ageMs < -NONCE_CLOCK_SKEW_MS) return 'invalid'
  return ageMs <= lifetimeSeconds * 1000 ? 'valid' : 'stale'
}

/**
 * The `opaque` value sent with every challenge (RFC 7616 §3.3): fixed for a secret and a
 * realm, so clients return the same value to every instance sharing the secret.
 *
 * @returns 43 base64url characters (HMAC-SHA-256(secret, "opaque:" realm)).
 */
export function deriveOpaque (secret: Buffer, realm: string): string {
  return createHmac('sha256', secret).update(`opaque:${realm}`, 'utf8').digest('base64url')
}
