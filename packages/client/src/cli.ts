#!/usr/bin/env node
/**
 * `platform-api`: the command line of @platform-api/client.
 *
 *   platform-api [options] keys create|list|delete …
 *   platform-api [options] list|get|create|patch|delete COLLECTION …
 *   platform-api [options] import FILE.sql --database FQN
 *
 * Credentials from `--url`, `--public-key`, `--private-key`, `--ca` or `PLATFORM_API_URL`,
 * `PLATFORM_API_PUBLIC_KEY`, `PLATFORM_API_PRIVATE_KEY`, `PLATFORM_API_CA`. Exit codes: see
 * {@link EXIT}.
 */
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { ApiError, ClientDigestError, ClientInvalidOptionError, TaskFailedError, createClient, type Client, type Task } from './index.js'

/** Exit codes of the CLI. */
export const EXIT = Object.freeze({
  OK: 0,
  /** Network failure, 5xx, anything else. */
  ERROR: 1,
  /** Bad command line or missing credentials. */
  USAGE: 2,
  /** 401 (wrong key, no Digest this client can answer) or 403 (role, access list). */
  AUTH: 3,
  /** 404. */
  NOT_FOUND: 4,
  /** 400, 413, 415, 422: the request was refused as invalid. */
  VALIDATION: 5,
  /** 409 or 412: conflicts with the current state (duplicate name, not empty, stale If-Match). */
  CONFLICT: 6,
  /** A task ended failed or cancelled. */
  TASK_FAILED: 7
})

const USAGE = `Usage: platform-api [options] <command> [arguments]

Commands:
  keys create [--description TEXT] [--role ROLE]... [--ip ADDRESS|CIDR]...
  keys list
  keys delete ID
  list COLLECTION [--limit N] [--filter FIELD=VALUE]...
  get COLLECTION ID            (or --name FULLY_QUALIFIED_NAME)
  create COLLECTION --data JSON | --file FILE.json
  patch COLLECTION ID --data JSON | --file FILE.json [--if-match ETAG]
        (a JSON array is a JSON Patch, an object a merge patch)
  delete COLLECTION ID [--recursive] [--if-match ETAG]
  import FILE.sql --database FULLY_QUALIFIED_NAME|ID   (waits for the task, with a progress bar)

COLLECTION is a name under /api/v1 (tables) or a path (/api/v2/catalogs/default/databases).

Options:
  --url URL             PLATFORM_API_URL          e.g. https://127.0.0.1:8443
  --public-key KEY      PLATFORM_API_PUBLIC_KEY
  --private-key KEY     PLATFORM_API_PRIVATE_KEY
  --ca FILE             PLATFORM_API_CA           PEM certificate to trust
  --output json|table   default json
  -h, --help

Exit codes: 0 ok, 1 other error, 2 usage, 3 authentication or authorization (401, 403),
4 not found (404), 5 validation (400, 413, 415, 422), 6 conflict (409, 412), 7 task failed.
`

class UsageError extends Error {}

/** The exit code of an error. */
export function exitCodeOf (error: unknown): number {
  if (error instanceof UsageError || error instanceof ClientInvalidOptionError) return EXIT.USAGE
  if (error instanceof ClientDigestError) return EXIT.AUTH
  if (error instanceof TaskFailedError) return EXIT.TASK_FAILED
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 403) return EXIT.AUTH
    if (error.status === 404) return EXIT.NOT_FOUND
    if ([400, 413, 415, 422].includes(error.status)) return EXIT.VALIDATION
    if (error.status === 409 || error.status === 412) return EXIT.CONFLICT
  }
  return EXIT.ERROR
}

function collectionPath (name: string | undefined): string {
  if (name === undefined || name === '') throw new UsageError('a COLLECTION is needed (e.g. tables, or /api/v2/catalogs)')
  return name.startsWith('/') ? name : `/api/v1/${encodeURIComponent(name)}`
}

function scalar (value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') {
    const ref = value as { fullyQualifiedName?: string, name?: string }
    return ref.fullyQualifiedName ?? ref.name ?? JSON.stringify(value)
  }
  return String(value)
}

/** A plain text table: a list as rows, one entity as FIELD VALUE lines. */
export function toTable (value: unknown): string {
  const rows = Array.isArray(value) ? value as Array<Record<string, unknown>> : undefined
  if (rows === undefined) {
    if (value === null || typeof value !== 'object') return `${scalar(value)}\n`
    const entries = Object.entries(value as Record<string, unknown>)
    const width = Math.max(...entries.map(([k]) => k.length))
    return entries.map(([k, v]) => `${k.padEnd(width)}  ${scalar(v)}`).join('\n') + '\n'
  }
  if (rows.length === 0) return '(none)\n'
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== 'href' && !Array.isArray(rows[0]?.[c])).slice(0, 8)
  const cells = rows.map((r) => columns.map((c) => scalar(r[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)))
  const line = (parts: string[]): string => parts.map((p, i) => p.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n') + '\n'
}

function readJson (values: { data?: string | undefined, file?: string | undefined }): unknown {
  const text = values.data ?? (values.file !== undefined ? readFileSync(values.file, 'utf8') : undefined)
  if (text === undefined) throw new UsageError('--data JSON or --file FILE is needed')
  try { return JSON.parse(text) } catch (e) { throw new UsageError(`the JSON does not parse: ${(e as Error).message}`) }
}

async function collect (client: Client, path: string, limit: number | undefined, query: Record<string, string>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const item of client.resource(path).list({ ...(limit !== undefined ? { pageSize: Math.min(limit, 1000) } : {}), query })) {
    out.push(item)
    if (limit !== undefined && out.length >= limit) break
  }
  return out
}

function progressBar (stream: NodeJS.WriteStream): { update: (task: Task) => void, stop: () => void } {
  const bar = new cliProgress.SingleBar({
    format: 'task {status} [{bar}] {percentage}%',
    stream,
    noTTYOutput: true,
    notTTYSchedule: 250,
    hideCursor: stream.isTTY === true
  }, cliProgress.Presets.shades_classic)
  let started = false
  return {
    update: (task) => {
      const progress = typeof task.progress === 'number' ? task.progress : 0
      if (!started) { bar.start(100, progress, { status: task.status }); started = true } else bar.update(progress, { status: task.status })
      if (task.status === 'succeeded') bar.update(100, { status: task.status })
    },
    stop: () => { if (started) bar.stop() }
  }
}

/**
 * Run the CLI with `argv` (without node and the script) and `env`; writes to `out` / `err`.
 * @returns the exit code ({@link EXIT}).
 */
export async function main (argv: string[], env: NodeJS.ProcessEnv, out: NodeJS.WriteStream, err: NodeJS.WriteStream): Promise<number> {
  let output: 'json' | 'table' = 'json'
  let client: Client | undefined
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'public-key': { type: 'string' },
        'private-key': { type: 'string' },
        ca: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
        description: { type: 'string' },
        role: { type: 'string', multiple: true },
        ip: { type: 'string', multiple: true },
        limit: { type: 'string' },
        filter: { type: 'string', multiple: true },
        name: { type: 'string' },
        data: { type: 'string' },
        file: { type: 'string' },
        recursive: { type: 'boolean' },
        'if-match': { type: 'string' },
        database: { type: 'string' }
      }
    })
    if (values.help === true || positionals.length === 0) { out.write(USAGE); return values.help === true ? EXIT.OK : EXIT.USAGE }
    if (values.output !== undefined && values.output !== 'json' && values.output !== 'table') throw new UsageError('--output is json or table')
    output = (values.output as 'json' | 'table' | undefined) ?? 'json'
    const baseUrl = values.url ?? env.PLATFORM_API_URL
    const publicKey = values['public-key'] ?? env.PLATFORM_API_PUBLIC_KEY
    const privateKey = values['private-key'] ?? env.PLATFORM_API_PRIVATE_KEY
    const caFile = values.ca ?? env.PLATFORM_API_CA
    if (baseUrl === undefined || publicKey === undefined || privateKey === undefined) {
      throw new UsageError('credentials are needed: --url, --public-key, --private-key (or PLATFORM_API_URL, PLATFORM_API_PUBLIC_KEY, PLATFORM_API_PRIVATE_KEY)')
    }
    client = createClient({ baseUrl, publicKey, privateKey, ...(caFile !== undefined && caFile !== '' ? { ca: readFileSync(caFile) } : {}) })
    const limit = values.limit === undefined ? undefined : Number(values.limit)
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit is a positive integer')
    const ifMatch = values['if-match'] !== undefined ? { ifMatch: values['if-match'] } : {}

    const [command, ...rest] = positionals
    let result: unknown
    switch (command) {
      case 'keys': {
        const keys = client.resource('/api/v1/apiKeys')
        const [sub, id] = rest
        if (sub === 'create') {
          result = await keys.create({
            ...(values.description !== undefined ? { description: values.description } : {}),
            roles: values.role ?? ['ORG_READ_ONLY'],
            accessList: (values.ip ?? []).map((ip) => ip.includes('/') ? { cidrBlock: ip } : { ipAddress: ip })
          })
        } else if (sub === 'list') {
          result = await collect(client, '/api/v1/apiKeys', limit, {})
        } else if (sub === 'delete') {
          if (id === undefined) throw new UsageError('keys delete ID')
          result = await keys.delete(id, ifMatch)
        } else {
          throw new UsageError('keys create|list|delete')
        }
        break
      }
      case 'list': {
        const query: Record<string, string> = {}
        for (const f of values.filter ?? []) {
          const at = f.indexOf('=')
          if (at < 1) throw new UsageError(`--filter FIELD=VALUE, not ${f}`)
          query[f.slice(0, at)] = f.slice(at + 1)
        }
        result = await collect(client, collectionPath(rest[0]), limit, query)
        break
      }
      case 'get': {
        const resource = client.resource(collectionPath(rest[0]))
        if (values.name !== undefined) result = await resource.getByName(values.name)
        else if (rest[1] !== undefined) result = await resource.get(rest[1])
        else throw new UsageError('get COLLECTION ID, or get COLLECTION --name NAME')
        break
      }
      case 'create':
        result = await client.resource(collectionPath(rest[0])).create(readJson(values) as Record<string, unknown>)
        break
      case 'patch':
        if (rest[1] === undefined) throw new UsageError('patch COLLECTION ID --data JSON')
        result = await client.resource(collectionPath(rest[0])).patch(rest[1], readJson(values) as Record<string, unknown>, ifMatch)
        break
      case 'delete':
        if (rest[1] === undefined) throw new UsageError('delete COLLECTION ID')
        result = await client.resource(collectionPath(rest[0])).delete(rest[1], { ...ifMatch, ...(values.recursive === true ? { recursive: true } : {}) })
        break
      case 'import': {
        const file = rest[0]
        if (file === undefined || values.database === undefined) throw new UsageError('import FILE.sql --database FULLY_QUALIFIED_NAME|ID')
        const sql = readFileSync(file, 'utf8')
        const databases = client.resource('/api/v1/databases')
        const database = /^[0-9a-f-]{36}$/i.test(values.database) ? { id: values.database } : await databases.getByName(values.database)
        const accepted = await client.request<Task>('POST', `/api/v1/databases/${encodeURIComponent(database.id)}/import`, { body: sql, contentType: 'application/sql' })
        const location = accepted.headers.location
        const bar = progressBar(err)
        try {
          result = await client.waitForTask(typeof location === 'string' ? location : accepted.body, { onProgress: bar.update })
        } finally {
          bar.stop()
        }
        break
      }
      default:
        throw new UsageError(`unknown command ${String(command)}\n\n${USAGE}`)
    }
    out.write(output === 'table' ? toTable(result) : `${JSON.stringify(result, null, 2)}\n`)
    return EXIT.OK
  } catch (error) {
    const code = exitCodeOf(error)
    if (error instanceof ApiError) {
      err.write(`error: ${error.detail} (HTTP ${error.status}${error.errorCode !== undefined ? `, ${error.errorCode}` : ''}${error.requestId !== undefined ? `, request ${error.requestId}` : ''})\n`)
    } else if (error instanceof TaskFailedError) {
      err.write(`error: ${error.message}\n`)
      if (output === 'json') out.write(`${JSON.stringify(error.task, null, 2)}\n`)
    } else if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      err.write(`error: ${(error as Error).message}\n`)
      return EXIT.USAGE
    } else {
      err.write(`error: ${(error as Error).message}\n`)
    }
    return code
  } finally {
    await client?.close()
  }
}

// Run when executed (the bin), not when imported.
const script = process.argv[1]
if (script !== undefined && realpathSync(script) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2), process.env, process.stdout, process.stderr).then((code) => { process.exitCode = code }, (e: unknown) => {
    process.stderr.write(`error: ${(e as Error).message}\n`)
    process.exitCode = EXIT.ERROR
  })
}
