/**
 * @platform-api/client: a Node client of a Platform API served by the suite.
 *
 * `createClient` gives authenticated requests (HTTP Digest, RFC 7616, every algorithm the server
 * offers, one round trip per request once a nonce is known), resource helpers typed from the
 * same TypeBox declarations as the server (`resource<typeof tables>('/api/v1/tables')`), task
 * polling (`waitForTask`) and bounded retries on 429/503. Errors are `ApiError`s.
 */
import type { Dispatcher } from 'undici'
import { ApiError, ClientInvalidOptionError, TaskFailedError } from './errors.js'
import { ALGORITHM_PREFERENCE, type DigestAlgorithm } from './lib/digest.js'
import { Transport, createAgent, retryAfterMs, type HttpResponse } from './lib/http.js'

export { ApiError, ClientInvalidOptionError, ClientDigestError, TaskFailedError } from './errors.js'
export { ALGORITHM_PREFERENCE, chooseChallenge, parseChallenges, DigestSession, type DigestAlgorithm, type DigestChallenge, type Challenge } from './lib/digest.js'
export { retryAfterMs, type HttpResponse } from './lib/http.js'

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Origin of the API, e.g. `https://127.0.0.1:8443` (no path; resource paths carry `/api/v1`). */
  baseUrl: string
  /** The API key's public key (the Digest username). */
  publicKey: string
  /** The API key's private key (the Digest password). Only hashed, never sent. */
  privateKey: string
  /** PEM certificate(s) to trust besides the system's, e.g. the example server's self-signed one. */
  ca?: string | Buffer
  /** Digest algorithms the client may use. Default all six; the strongest the server offers is used (SHA-512-256 > SHA-256 > MD5, each before its -sess variant). */
  algorithms?: DigestAlgorithm[]
  /** How many times a 429 or 503 answer is retried. Default 3; 0 turns retries off. */
  retries?: number
  /** Longest wait between retries, in ms, whatever `Retry-After` asks. Default 30000. */
  maxRetryDelayMs?: number
  /** An undici dispatcher to use instead of the client's own Agent (then `ca` is ignored). */
  dispatcher?: Dispatcher
}

/** What {@link Client.request} takes. */
export interface RequestOptions {
  /** A JSON value (sent as `application/json` unless `contentType` says otherwise) or text. */
  body?: unknown
  contentType?: string
  headers?: Record<string, string>
  query?: Record<string, string | number | boolean | undefined>
}

/** A successful answer: status, headers, and the body with the `{status, message, result}` wrapper taken off. */
export interface ClientResponse<T = unknown> {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: T
}

/** A JSON Patch operation (RFC 6902). */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test', path: string, value: unknown }
  | { op: 'remove', path: string }
  | { op: 'move' | 'copy', from: string, path: string }

/** Writes may carry `If-Match` (RFC 9110 §13.1.1): the ETag (`"<version>"`) or the entity whose version is meant. */
export interface WriteOptions { ifMatch?: string | { version: number } }

/** Options of {@link Client.resource}. */
export interface ResourceOptions {
  /** `flat` (`/api/v1`: `{coll}/{id}`, `{coll}/name/{fqn}`) or `nested` (`/api/v2`: names in the path). Default: `nested` for a path under `/api/v2`, else `flat`. */
  paths?: 'flat' | 'nested'
}

/** Options of `list`. */
export interface ListOptions {
  /** Page size: `limit` in cursor mode, `itemsPerPage` in page mode. Default: the server's. */
  pageSize?: number
  /** More query parameters (equality filters, `fields`). */
  query?: Record<string, string | number | boolean | undefined>
}

/** Options of `delete`. */
export interface DeleteOptions extends WriteOptions { recursive?: boolean }

/** An entity as answered: its fields plus `id`, `name`, `href` and the common fields. */
export type Answered<E> = E & { id: string, name: string, href: string }

/** The entity type of a declaration (`@platform-api/resources`' `Entity<D>`), or a plain record when none is given. */
type EntityOf<D> = D extends { collection: string, fields: unknown } ? import('@platform-api/resources').Entity<D> : Record<string, unknown>
type CreateOf<D> = D extends { collection: string, fields: unknown } ? import('@platform-api/resources').CreateInput<D> : Record<string, unknown>

/**
 * Helpers for one collection, typed from its declaration: `E` the entity, `I` the create request.
 * Every method throws {@link ApiError} on an error answer.
 */
export interface ResourceClient<E, I> {
  /** Every entity, page after page (cursor mode: `after`; page mode: `pageNum`), as an async iterator. */
  list: (options?: ListOptions) => AsyncIterableIterator<Answered<E>>
  /** One entity by id (flat) or name (nested). */
  get: (idOrName: string) => Promise<Answered<E>>
  /** One entity by fullyQualifiedName (flat: `/name/{fqn}`) or by name (nested). */
  getByName: (name: string) => Promise<Answered<E>>
  /** POST on the collection: 201 and the entity (with one-time fields such as `privateKey`). */
  create: (input: I) => Promise<Answered<E>>
  /** PUT on the collection: create or replace (v1), create if absent (v2). */
  put: (input: I, options?: WriteOptions) => Promise<Answered<E>>
  /** PATCH: an array is a JSON Patch (RFC 6902), an object a merge patch (RFC 7396). */
  patch: (idOrName: string, patch: JsonPatchOperation[] | Partial<I & E>, options?: WriteOptions) => Promise<Answered<E>>
  /** DELETE: the deleted entity (v1) or what the server answered (v2). */
  delete: (idOrName: string, options?: DeleteOptions) => Promise<unknown>
}

/** A task (`GET /api/v1/tasks/{id}`). */
export interface Task {
  id: string
  href?: string
  type?: string
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'
  progress?: number
  result?: unknown
  error?: unknown
  [field: string]: unknown
}

/** Options of {@link Client.waitForTask}. */
export interface WaitForTaskOptions {
  /** Called after each poll with the task. */
  onProgress?: (task: Task) => void
  /** Poll interval when the server sends no `Retry-After`, in ms. Default 500. */
  intervalMs?: number
  /** Give up after this long, in ms. Default 600000. */
  timeoutMs?: number
}

/** An answer as sent, for any status (what {@link Client.send} gives). */
export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The body as text ('' when empty). */
  body: string
  /** The body parsed as JSON. @throws SyntaxError when it is not JSON. */
  json: () => any // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A client for one API key. */
export interface Client {
  /**
   * An authenticated request answered as it came: any status, no `ApiError`, no wrapper taken off
   * (for tests of the API itself and for statuses a caller handles). Same options as `request`.
   */
  send: (method: string, path: string, options?: RequestOptions) => Promise<RawResponse>
  /** An authenticated request; throws {@link ApiError} for a status >= 400. Path starts with `/`. */
  request: <T = unknown>(method: string, path: string, options?: RequestOptions) => Promise<ClientResponse<T>>
  /** Helpers for the collection at `path` (e.g. `/api/v1/tables`, `/api/v2/catalogs/default/databases`). */
  resource: <D = unknown, E = EntityOf<D>, I = CreateOf<D>>(path: string, options?: ResourceOptions) => ResourceClient<E, I>
  /**
   * Poll a task (its URL, path or id under `/api/v1/tasks`) until `succeeded`; waits what each answer's
   * `Retry-After` asks. @throws TaskFailedError when it ends `failed` or `cancelled`, or on timeout.
   */
  waitForTask: (task: string | { id: string, href?: string }, options?: WaitForTaskOptions) => Promise<Task>
  /** Requests sent on the wire so far (challenge probes and retries included). */
  readonly roundTrips: number
  /** Close the connections of the client's own Agent. */
  close: () => Promise<void>
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

function check (options: ClientOptions): void {
  if (options === null || typeof options !== 'object') throw new ClientInvalidOptionError('options must be an object')
  let url: URL
  try { url = new URL(options.baseUrl) } catch { throw new ClientInvalidOptionError('baseUrl must be an absolute URL such as https://127.0.0.1:8443') }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ClientInvalidOptionError('baseUrl must be an https: (or http:) URL')
  if (typeof options.publicKey !== 'string' || options.publicKey === '') throw new ClientInvalidOptionError('publicKey must be a non-empty string')
  if (typeof options.privateKey !== 'string' || options.privateKey === '') throw new ClientInvalidOptionError('privateKey must be a non-empty string')
  if (options.algorithms !== undefined && (!Array.isArray(options.algorithms) || options.algorithms.length === 0 || options.algorithms.some((a) => !ALGORITHM_PREFERENCE.includes(a)))) {
    throw new ClientInvalidOptionError(`algorithms must be a non-empty array of ${ALGORITHM_PREFERENCE.join(', ')}`)
  }
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0 || options.retries > 10)) throw new ClientInvalidOptionError('retries must be an integer in 0..10')
  if (options.maxRetryDelayMs !== undefined && !(Number.isFinite(options.maxRetryDelayMs) && options.maxRetryDelayMs >= 0)) throw new ClientInvalidOptionError('maxRetryDelayMs must be a finite number >= 0')
}

/** The body of a success: the `{status: "0", message, result}` wrapper of the StarRocks style taken off. */
function unwrap (body: unknown): unknown {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const keys = Object.keys(body)
    const record = body as Record<string, unknown>
    if (keys.length === 3 && record.status === '0' && 'message' in record && 'result' in record) return record.result
  }
  return body
}

function parse (response: HttpResponse): unknown {
  const type = String(response.headers['content-type'] ?? '')
  if (response.text === '') return undefined
  if (/json/i.test(type)) { try { return JSON.parse(response.text) } catch { return response.text } }
  return response.text
}

function header (response: { headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const value = response.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function queryString (query: RequestOptions['query']): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v))
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/**
 * Create a client for one API key.
 * @throws ClientInvalidOptionError (`CLIENT_INVALID_OPTION`) for a bad option.
 */
export function createClient (options: ClientOptions): Client {
  check(options)
  const origin = new URL(options.baseUrl).origin
  const ownAgent = options.dispatcher === undefined ? createAgent(options.ca) : undefined
  const transport = new Transport({
    origin,
    username: options.publicKey,
    password: options.privateKey,
    algorithms: options.algorithms ?? ALGORITHM_PREFERENCE,
    dispatcher: options.dispatcher ?? (ownAgent as Dispatcher),
    retries: options.retries ?? 3,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
    userAgent: '@platform-api/client'
  })

  async function exchange (method: string, path: string, opts: RequestOptions): Promise<HttpResponse> {
    if (!path.startsWith('/')) throw new ClientInvalidOptionError(`path must start with "/": ${path}`)
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    let body: string | Buffer | undefined
    if (opts.body !== undefined) {
      const type = opts.contentType ?? 'application/json'
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body)
      headers['content-type'] = type
    }
    return await transport.request({ method, path: `${path}${queryString(opts.query)}`, headers, ...(body !== undefined ? { body } : {}) })
  }

  async function send (method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const response = await exchange(method, path, opts)
    return { status: response.status, headers: response.headers, body: response.text, json: () => JSON.parse(response.text) }
  }

  async function request<T = unknown> (method: string, path: string, opts: RequestOptions = {}): Promise<ClientResponse<T>> {
    const response = await exchange(method, path, opts)
    const parsed = parse(response)
    if (response.status >= 400) throw new ApiError(response.status, parsed, header(response, 'x-request-id'))
    return { status: response.status, headers: response.headers, body: unwrap(parsed) as T }
  }

  const ifMatch = (o: WriteOptions | undefined): Record<string, string> =>
    o?.ifMatch === undefined ? {} : { 'if-match': typeof o.ifMatch === 'string' ? o.ifMatch : `"${o.ifMatch.version}"` }

  function resource<D = unknown, E = EntityOf<D>, I = CreateOf<D>> (path: string, ropts: ResourceOptions = {}): ResourceClient<E, I> {
    const base = path.replace(/\/+$/, '')
    const nested = (ropts.paths ?? (base.startsWith('/api/v2/') ? 'nested' : 'flat')) === 'nested'
    const item = (idOrName: string): string => `${base}/${encodeURIComponent(idOrName)}`
    type A = Answered<E>
    return {
      list: async function * (lopts: ListOptions = {}) {
        let query: Record<string, string | number | boolean | undefined> = { ...(lopts.query ?? {}) }
        let pageSizeKey: string | undefined
        for (let pageNum = 1; ; pageNum++) {
          if (lopts.pageSize !== undefined && pageSizeKey !== undefined) query[pageSizeKey] = lopts.pageSize
          if (lopts.pageSize !== undefined && pageSizeKey === undefined) query[nested ? 'itemsPerPage' : 'limit'] = lopts.pageSize
          const page = (await request<Record<string, unknown>>('GET', base, { query })).body
          if (Array.isArray(page.data)) {
            // Cursor mode (OpenMetadata): {data, paging: {after}}.
            pageSizeKey = 'limit'
            for (const entity of page.data) yield entity as A
            const after = (page.paging as { after?: string } | undefined)?.after
            if (after === undefined || after === null || page.data.length === 0) return
            query = { ...query, after }
            delete query.before
          } else if (Array.isArray(page.items)) {
            // Page mode (Atlas / StarRocks): {items, pageNum, itemsPerPage, totalCount}.
            pageSizeKey = 'itemsPerPage'
            for (const entity of page.items) yield entity as A
            const size = Number(page.itemsPerPage)
            if (page.items.length === 0 || pageNum * size >= Number(page.totalCount)) return
            query = { ...query, pageNum: pageNum + 1 }
          } else {
            throw new ApiError(200, page, undefined)
          }
        }
      },
      get: async (idOrName) => (await request<A>('GET', item(idOrName))).body,
      getByName: async (name) => (await request<A>('GET', nested ? item(name) : `${base}/name/${encodeURIComponent(name)}`)).body,
      create: async (input) => (await request<A>('POST', base, { body: input })).body,
      put: async (input, wopts) => (await request<A>('PUT', base, { body: input, headers: ifMatch(wopts) })).body,
      patch: async (idOrName, patch, wopts) => (await request<A>('PATCH', item(idOrName), {
        body: patch,
        contentType: Array.isArray(patch) ? 'application/json-patch+json' : 'application/merge-patch+json',
        headers: ifMatch(wopts)
      })).body,
      delete: async (idOrName, dopts) => (await request('DELETE', item(idOrName), {
        headers: ifMatch(dopts),
        ...(dopts?.recursive === true ? { query: { recursive: true } } : {})
      })).body
    }
  }

  async function waitForTask (task: string | { id: string, href?: string }, wopts: WaitForTaskOptions = {}): Promise<Task> {
    const ref = typeof task === 'string' ? task : task.href ?? task.id
    const path = /^https?:\/\//.test(ref) ? new URL(ref).pathname : ref.startsWith('/') ? ref : `/api/v1/tasks/${encodeURIComponent(ref)}`
    const deadline = Date.now() + (wopts.timeoutMs ?? 600_000)
    while (true) {
      const answer = await request<Task>('GET', path)
      const current = answer.body
      wopts.onProgress?.(current)
      if (current.status === 'succeeded') return current
      if (current.status === 'failed' || current.status === 'cancelled') {
        const reason = current.error !== null && typeof current.error === 'object' ? (current.error as { detail?: string }).detail : undefined
        throw new TaskFailedError(`task ${current.id} ${current.status}${reason !== undefined ? `: ${reason}` : ''}`, current)
      }
      if (Date.now() >= deadline) throw new TaskFailedError(`task ${current.id} still ${current.status} after ${wopts.timeoutMs ?? 600_000} ms`, current)
      await sleep(Math.min(retryAfterMs(answer.headers['retry-after']) ?? wopts.intervalMs ?? 500, Math.max(0, deadline - Date.now())))
    }
  }

  return {
    send,
    request,
    resource,
    waitForTask,
    get roundTrips () { return transport.roundTrips },
    close: async () => { await ownAgent?.close() }
  }
}
