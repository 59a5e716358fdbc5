/**
 * Server options for the Fastify factory (`Fastify({...})`), so that every answer, even one
 * to a request that never reaches a route, is in the error format with a request id, and
 * the time and size a client can take are bounded (issue 11):
 *
 * - `clientErrorHandler` (Node's `clientError`): malformed framing, `Content-Length`, 431 for
 *   oversized headers, 408 for headers or a body not received within the timeouts;
 * - `frameworkErrors`: a bad URL (`/%zz`) and an oversized path parameter;
 * - `return503OnClosing: false`: the envelope answers the 503 while closing itself (in the
 *   error format, with `Retry-After`) instead of Fastify's bare one;
 * - `maxConnections` (set on `app.server`): connections beyond it are closed when accepted;
 * - `requestTimeout`, `connectionTimeout`, `keepAliveTimeout`, `maxRequestsPerSocket`, and for the
 *   Node server `headersTimeout`, `maxHeaderSize` and `requireHostHeader: false` (a missing
 *   Host is answered by the envelope in the error format, not by Node with an empty 400).
 */
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HeadersTooLargeError, InvalidOptionError, InvalidUrlError, MalformedRequestError, RequestTimeoutError, UriTooLongError } from '../errors.js'
import { renderError } from './render.js'
import { reasonPhrase } from './status.js'

/** Options of {@link platformServerOptions}; every time in milliseconds, every size in bytes. */
export interface PlatformServerOptions {
  /** Longest time to receive a whole request, headers and body (Node `requestTimeout`). Default 30000. */
  requestTimeoutMs?: number
  /** Longest time to receive the request headers (Node `headersTimeout`). Default 10000. */
  headersTimeoutMs?: number
  /** Idle time before an idle socket is closed (Fastify `connectionTimeout`). Default 60000. */
  connectionTimeoutMs?: number
  /** Idle time of a keep-alive connection between requests. Default 5000. */
  keepAliveTimeoutMs?: number
  /** Requests served on one connection before it is closed. Default 1000. */
  maxRequestsPerSocket?: number
  /** Largest request header section (Node `maxHeaderSize`); larger is 431. Default 16384. */
  maxHeaderSizeBytes?: number
  /** Header carrying the request id (as the envelope's `requestIdHeader`). Default `x-request-id`. */
  requestIdHeader?: string
  /**
   * Most connections open at once (Node `server.maxConnections`): a connection over it is closed
   * as soon as it is accepted, before TLS or HTTP, so a flood of idle connections cannot exhaust
   * file descriptors or memory; the connections already open are served. Default 1024.
   */
  maxConnections?: number
}

const DEFAULTS: Required<PlatformServerOptions> = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000,
  maxHeaderSizeBytes: 16_384,
  requestIdHeader: 'x-request-id',
  maxConnections: 1024
}

/** Options for Node's `http(s).createServer`, to spread into Fastify's `https` (or `http`) option. */
export interface NodeServerOptions { requireHostHeader: false, headersTimeout: number, requestTimeout: number, maxHeaderSize: number, connectionsCheckingInterval: number }

/** What {@link platformServerOptions} returns: spread it into `Fastify({...})`. */
export interface FastifyHardeningOptions {
  /** Node's `connect` event (a CONNECT request): 405 in the error format; attach with `app.server.on('connect', connectHandler)` (not a Fastify option). */
  connectHandler: (request: unknown, socket: Socket) => void
  clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => void
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void
  return503OnClosing: false
  requestTimeout: number
  connectionTimeout: number
  keepAliveTimeout: number
  maxRequestsPerSocket: number
  /** Node server options for a plain HTTP server; with TLS, spread {@link FastifyHardeningOptions.node} into `https`. */
  http: NodeServerOptions
  /** The same Node server options, for `https: { key, cert, ...node }`. */
  node: NodeServerOptions
  /** Not a Fastify option: set `app.server.maxConnections` to it once the app is made. */
  maxConnections: number
}

/** Headers every answer made here carries besides the request id. */
const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const

function check (options: Required<PlatformServerOptions>): void {
  for (const k of ['requestTimeoutMs', 'headersTimeoutMs', 'connectionTimeoutMs', 'keepAliveTimeoutMs', 'maxRequestsPerSocket', 'maxHeaderSizeBytes', 'maxConnections'] as const) {
    if (!Number.isSafeInteger(options[k]) || options[k] < 1) throw new InvalidOptionError(`${k} must be a positive integer`)
  }
  if (options.headersTimeoutMs > options.requestTimeoutMs) throw new InvalidOptionError('headersTimeoutMs must not exceed requestTimeoutMs')
  if (typeof options.requestIdHeader !== 'string' || !/^[a-z0-9-]+$/i.test(options.requestIdHeader)) throw new InvalidOptionError('requestIdHeader must be a header name')
}

/** The error a Node `clientError` stands for. */
function clientErrorOf (error: Error & { code?: string }, options: Required<PlatformServerOptions>): Error {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT': return new RequestTimeoutError(`${options.requestTimeoutMs} ms for the whole request, ${options.headersTimeoutMs} ms for its headers`)
    case 'HPE_HEADER_OVERFLOW': return new HeadersTooLargeError(String(options.maxHeaderSizeBytes))
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH': return new MalformedRequestError('malformed or repeated Content-Length')
    case 'HPE_INVALID_TRANSFER_ENCODING': return new MalformedRequestError('malformed Transfer-Encoding')
    case 'HPE_INVALID_HEADER_TOKEN': return new MalformedRequestError('a header name or value holds a character HTTP does not allow')
    case 'HPE_INVALID_METHOD': return new MalformedRequestError('unknown method')
    case 'HPE_INVALID_URL': return new MalformedRequestError('the request target is not a URL')
    case 'HPE_INVALID_VERSION': return new MalformedRequestError('unsupported HTTP version')
    default: return new MalformedRequestError('the request cannot be parsed as HTTP/1.1')
  }
}

/**
 * Fastify server options that keep every answer in the error format with a request id and
 * bound a client's time and header size (see the module comment).
 * @throws ENVELOPE_INVALID_OPTION for a bad option.
 */
export function platformServerOptions (opts: PlatformServerOptions = {}): FastifyHardeningOptions {
  const options: Required<PlatformServerOptions> = { ...DEFAULTS, ...opts }
  check(options)
  const idHeader = options.requestIdHeader.toLowerCase()
  // Node checks the timeouts every `connectionsCheckingInterval` (default 30 s): check often enough to keep them.
  const node: NodeServerOptions = { requireHostHeader: false, headersTimeout: options.headersTimeoutMs, requestTimeout: options.requestTimeoutMs, maxHeaderSize: options.maxHeaderSizeBytes, connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs) }

  function clientErrorHandler (error: Error & { code?: string }, socket: Socket): void {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    if (socket.writable && (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent !== true) {
      const requestId = randomUUID()
      const rendered = renderError(clientErrorOf(error, options), requestId)
      const body = JSON.stringify(rendered.body)
      socket.write(
        `HTTP/1.1 ${rendered.statusCode} ${reasonPhrase(rendered.statusCode)}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `${idHeader}: ${requestId}\r\n` +
        'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' + body
      )
    }
    socket.destroySoon()
  }

  function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const mapped = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new UriTooLongError() : error.code === 'FST_ERR_BAD_URL' ? new InvalidUrlError('bad percent-encoding') : new MalformedRequestError('the request cannot be routed')
    const rendered = renderError(mapped, request.id)
    void reply.code(rendered.statusCode)
      .headers({ ...COMMON_HEADERS, [idHeader]: request.id })
      .type('application/json; charset=utf-8')
      .serializer(JSON.stringify)
      .send(rendered.body)
  }

  function connectHandler (_request: unknown, socket: Socket): void {
    const requestId = randomUUID()
    const rendered = renderError(Object.assign(new Error('Method CONNECT is not allowed: this server is not a proxy'), { statusCode: 405, code: 'METHOD_NOT_ALLOWED' }), requestId)
    const body = JSON.stringify(rendered.body)
    socket.end(
      `HTTP/1.1 405 ${reasonPhrase(405)}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${idHeader}: ${requestId}\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`
    )
  }

  return {
    connectHandler,
    clientErrorHandler,
    frameworkErrors,
    return503OnClosing: false,
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: options.connectionTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    maxRequestsPerSocket: options.maxRequestsPerSocket,
    http: node,
    node,
    maxConnections: options.maxConnections
  }
}
