/**
 * The store-postgres error catalogue. Faults at run time are the resources package's
 * `STORE_UNAVAILABLE` (503, with `Retry-After`); only a bad option at construction is ours.
 */
import createError from '@fastify/error'
import { StoreUnavailableError } from '@platform-api/resources/errors'

/** Startup: an option of `PostgresStore.open` (or the plugin) is invalid. No status code. */
export const InvalidOptionError = createError('STORE_POSTGRES_INVALID_OPTION', 'Invalid @platform-api/store-postgres option: %s')

/** The 503 a client sees when the database cannot answer, as thrown by the store. */
export type StoreUnavailable = Error & { statusCode: 503, code: 'STORE_UNAVAILABLE', headers: Record<string, string>, cause?: unknown }

/**
 * Make the `STORE_UNAVAILABLE` error (503) with `Retry-After: <retryAfterSeconds>`; the
 * driver's error is kept as `cause` for the server log and never shown to the client.
 */
export function storeUnavailable (cause: unknown, retryAfterSeconds: number): StoreUnavailable {
  const err = new StoreUnavailableError() as StoreUnavailable
  err.headers = { 'retry-after': String(retryAfterSeconds) }
  err.cause = cause
  return err
}
