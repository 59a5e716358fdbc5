/**
 * The messages between `PgliteWorkerDriver` (main thread) and `pglite-worker.ts` (the worker
 * thread that owns the PGlite database). Values travel by structured clone (`postMessage`), so
 * rows keep what PGlite gives in process: `Date`, objects from `jsonb`, `bigint`, `Uint8Array`.
 * Errors do not survive a structured clone with their fields, so they travel as `WireError`.
 */
import type { PgliteSettings } from './pglite-open.js'

/** `workerData` of the worker: what to open and how. */
export interface WorkerSettings {
  /** Directory of the database, or `memory://`. */
  dataDir: string
  /** `SET statement_timeout` of the session, in milliseconds. */
  statementTimeoutMs: number
  /** Schema whose migrations the worker applies before it reports ready (unquoted, validated). */
  schema: string
  /** PostgreSQL parameters given at the start (option `pgliteSettings`, checked). */
  pgliteSettings: PgliteSettings
}

/** What the main thread asks: run one statement, or close the database (then the worker ends). */
export type WorkerCall =
  | { op: 'query', sql: string, params: readonly unknown[] }
  | { op: 'close' }

/** A call as sent, with the id its reply carries (1, 2, ...). */
export type WorkerRequest = WorkerCall & { id: number }

/** Worker to main thread. `id` 0 answers the start: ready (migrated) or the error that stopped it. */
export type WorkerReply =
  | { id: number, rows: unknown[], rowCount: number }
  | { id: number, ready: true }
  | { id: number, closed: true }
  | { id: number, error: WireError }

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string
  message: string
  stack?: string
  /**
   * The error's own scalar fields: for a PostgreSQL error `code` (SQLSTATE), `severity`,
   * `detail`, `hint`, `constraint`, `table`, `column`, `schema`, `routine`, ... (what
   * `classify()` and a server log read).
   */
  fields: Record<string, string | number | boolean>
}

/** An error (or any thrown value) as a `WireError`. */
export function toWire (err: unknown): WireError {
  if (err === null || typeof err !== 'object') return { name: 'Error', message: String(err), fields: {} }
  const e = err as Record<string, unknown>
  const fields: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(e)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value
  }
  const name = typeof e.name === 'string' ? e.name : (err as { constructor?: { name?: string } }).constructor?.name ?? 'Error'
  return {
    name,
    // Emscripten's ErrnoError (a failed file operation) has no message, only an `errno`.
    message: typeof e.message === 'string' ? e.message : `${name} ${JSON.stringify({ ...fields, name: undefined })}`,
    ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
    fields
  }
}

/** The `Error` of a `WireError`, with its fields (`code`, `detail`, ...) as own properties. */
export function fromWire (wire: WireError): Error {
  const err = new Error(wire.message)
  Object.assign(err, wire.fields)
  err.name = wire.name
  if (wire.stack !== undefined) err.stack = wire.stack
  return err
}
