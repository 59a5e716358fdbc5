/**
 * Which driver errors mean "the database cannot answer now" (503 `STORE_UNAVAILABLE`), which
 * mean "try the transaction again" (serialization failure, deadlock), and which are a
 * constraint the store reports as a resource error (unique violation: 409).
 */

/** What the store does with a driver error. */
export type FaultKind = 'duplicate' | 'retry' | 'unavailable' | 'other'

/** Node socket errors: the server is down, unreachable or dropped the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED'])

/** pg's own messages for a connection that died, timed out or never came. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error and is not queryable|Client was closed|Cannot use a pool after calling end|ECONNREFUSED|ECONNRESET/

/**
 * Classify a driver error by its SQLSTATE (PostgreSQL Appendix A) or socket code.
 * - `23505` unique_violation: `duplicate`;
 * - `40001` serialization_failure, `40P01` deadlock_detected: `retry`;
 * - class `08` connection exception, `53` insufficient resources, `57` operator intervention
 *   (`57P01` admin_shutdown, i.e. `pg_terminate_backend`; `57014` statement timeout),
 *   `58` system error, `XX` internal error, socket errors and pg's connection messages: `unavailable`.
 */
export function classify (err: unknown): FaultKind {
  const code = (err as { code?: unknown })?.code
  if (typeof code === 'string') {
    if (code === '23505') return 'duplicate'
    if (code === '40001' || code === '40P01') return 'retry'
    if (/^(08|53|57|58|XX)/.test(code) || NETWORK_CODES.has(code)) return 'unavailable'
  }
  const message = String((err as { message?: unknown })?.message ?? '')
  if (DRIVER_MESSAGES.test(message)) return 'unavailable'
  return 'other'
}
