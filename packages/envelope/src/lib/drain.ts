/**
 * Answering before the request body is read whole (a 413 on `Content-Length`, a 401 to a POST
 * that carried its body): a client that keeps sending must read the answer, not a connection
 * reset (RFC 9110 §15.5.14 lets the server close after a 413, but closing a socket with unread
 * data sends a TCP RST, which throws away the answer the client has not read yet).
 *
 * So the rest of the body is read and discarded, at most {@link DRAIN_MAX_BYTES} bytes and for at
 * most {@link DRAIN_MAX_MS} milliseconds; the connection is destroyed only when the client goes
 * past either bound. Once the body is read the connection stays usable (HTTP/1.1 keep-alive).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Most bytes of a refused body read and discarded after the answer; past it the connection is closed. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024

/** Longest time spent reading a refused body after the answer, in milliseconds; then the connection is closed. */
export const DRAIN_MAX_MS = 10_000

/**
 * For an answer sent while the request body is still arriving: drop Fastify's `Connection: close`
 * (Node would close the socket as soon as the answer is written, with unread data: a reset) and
 * read the rest of the body within the bounds. Call from `onSend`; does nothing when the body was read.
 */
export function drainUnreadBody (request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw
  if (raw.complete || raw.destroyed || raw.readableEnded) return
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3), nor
  // one with Content-Length 0: nothing to read. Node marks those `complete` already; a request
  // made by `fastify.inject` (light-my-request) never does, and each would otherwise hold a 10 s
  // timer and the request and reply it closes over (issue 12: 3,000 injected GETs kept 3,000).
  const headers = raw.headers
  if (headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0')) return
  const socket = raw.socket
  reply.removeHeader('connection')
  let read = 0
  const stop = (): void => { clearTimeout(timer); raw.removeListener('data', count) }
  const close = (): void => { stop(); socket.destroy() }
  const count = (chunk: Buffer): void => {
    read += chunk.length
    if (read > DRAIN_MAX_BYTES) close()
  }
  const timer = setTimeout(close, DRAIN_MAX_MS)
  timer.unref()
  raw.on('data', count)
  raw.once('end', stop)
  raw.once('close', stop)
  raw.resume()
}
