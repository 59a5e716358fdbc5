/**
 * Creating the embedded database (PGlite) of a `dataDir`, in this thread (`openPostgresStore`)
 * or in the worker (`pglite-worker.ts`): the same start arguments and the same error either way.
 */
import type { PGlite, PGliteOptions } from '@electric-sql/pglite'

/** PostgreSQL run-time parameters of an embedded database (option `pgliteSettings`, checked by `resolveOptions`): name to value. */
export type PgliteSettings = Readonly<Record<string, string | number | boolean>>

/** The PGlite class (`import('@electric-sql/pglite').PGlite`), passed in: this module does not load PGlite. */
export interface PgliteClass {
  create: (dataDir?: string, options?: PGliteOptions) => Promise<PGlite>
  readonly defaultStartParams: readonly string[]
}

/** Lines of PostgreSQL's stderr kept while a database starts, for the error when it does not. */
const KEPT_LINES = 20

/**
 * PGlite's start arguments: its own (`defaultStartParams`), then `-c name=value` per setting
 * (a later `-c` wins in PostgreSQL, so these override PGlite's and `postgresql.conf`).
 */
function pgliteStartParams (defaults: readonly string[], settings: PgliteSettings): string[] {
  return [...defaults, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${String(value)}`])]
}

/**
 * Open (or create) the database of `dataDir` (`memory://`: in memory) with `settings`.
 * PostgreSQL's stderr still goes to this process's stderr, as PGlite does by default.
 * @throws an Error whose message carries PostgreSQL's FATAL line when the database does not
 * start (PGlite itself only says "PGlite failed to initialize properly"), e.g. for an unknown
 * parameter in `settings`.
 */
export async function createPglite (PGliteClass: PgliteClass, dataDir: string | undefined, settings: PgliteSettings, options: PGliteOptions = {}): Promise<PGlite> {
  const stderr: string[] = []
  let starting = true
  const params = Object.keys(settings).length > 0 ? { startParams: pgliteStartParams(PGliteClass.defaultStartParams, settings) } : {}
  try {
    return await PGliteClass.create(dataDir === 'memory://' ? undefined : dataDir, {
      ...options,
      ...params,
      onStderr: (text: string) => {
        if (starting) {
          stderr.push(text)
          if (stderr.length > KEPT_LINES) stderr.shift()
        }
        return true
      }
    })
  } catch (err) {
    const fatal = stderr.filter((line) => /\b(?:FATAL|PANIC|ERROR):/.test(line)).pop()
    if (fatal === undefined || !(err instanceof Error)) throw err
    throw new Error(`the embedded database did not start: ${fatal.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '$1: ')}`, { cause: err })
  } finally {
    starting = false
  }
}
