/**
 * Issue 11, "every answer in the error format with X-Request-Id": requests that never reach a
 * route (bad URL, 431, 408, missing Host, malformed Content-Length) and the 503 while closing,
 * sent as raw bytes to a listening server.
 */
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import { digestAuthorization } from 'fastify-platform-api'
import { build, owner } from './helpers.js'

interface Raw { status: number, headers: Record<string, string>, body: string }

/** Send raw bytes (optionally in timed chunks) and read the answer until the server closes or `waitMs` passes. */
async function raw (port: number, chunks: string[], gapMs = 0, waitMs = 8000): Promise<Raw> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    const timer = setTimeout(() => { socket.destroy(); finish() }, waitMs)
    const finish = (): void => {
      clearTimeout(timer)
      const [head = '', ...rest] = data.split('\r\n\r\n')
      const lines = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) { const i = line.indexOf(':'); headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim() }
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, body: rest.join('\r\n\r\n') })
    }
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => { data += d })
    socket.on('close', finish)
    socket.on('error', (e) => { if (data === '') reject(e) })
    void (async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return
        socket.write(chunk)
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs))
      }
    })()
  })
}

function inFormat (t: Test, res: Raw, status: number, errorCode: string): void {
  t.equal(res.status, status, `${errorCode}: ${res.body.slice(0, 200)}`)
  t.match(res.headers['content-type'], /^application\/json/)
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  const body = JSON.parse(res.body)
  t.equal(body.errorCode, errorCode)
  t.equal(body.error, status)
  t.equal(body.requestId, res.headers['x-request-id'])
}

t.test('answers before any route are in the error format with X-Request-Id', async (t) => {
  const { app } = await build(t, { server: { requestTimeoutMs: 2000, headersTimeoutMs: 1000 } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port

  const badUrl = await raw(port, ['GET /%zz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'])
  inFormat(t, badUrl, 400, 'INVALID_URL')
  t.notMatch(badUrl.body, '%zz', 'the path is not echoed')

  inFormat(t, await raw(port, [`GET /health HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`]), 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
  inFormat(t, await raw(port, ['GET /health HTTP/1.1\r\nConnection: close\r\n\r\n']), 400, 'MALFORMED_REQUEST')
  inFormat(t, await raw(port, ['POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 12abc\r\n\r\n']), 400, 'MALFORMED_REQUEST')
  inFormat(t, await raw(port, ['POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']), 400, 'MALFORMED_REQUEST')
  inFormat(t, await raw(port, ['GARBAGE\r\n\r\n']), 400, 'MALFORMED_REQUEST')
  const slowHeaders = await raw(port, ['GET /health HTTP/1.1\r\n', 'Host: a\r\n', 'X-A: 1\r\n', 'X-B: 1\r\n', 'X-C: 1\r\n', 'X-D: 1\r\n'], 700)
  inFormat(t, slowHeaders, 408, 'REQUEST_TIMEOUT')
  // A body sent one byte at a time is cut at requestTimeout.
  const started = Date.now()
  const challenge = (await app.inject({ method: 'GET', url: '/api/v1/catalogs' })).headers['www-authenticate'] as string[]
  const authorization = digestAuthorization({ challenge: challenge.join(', '), username: owner.username, password: owner.password, method: 'POST', uri: '/api/v1/catalogs' })
  const slowBody = await raw(port, [`POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`, ...'{"name":"slowbody"'.split('')], 500)
  inFormat(t, slowBody, 408, 'REQUEST_TIMEOUT')
  t.ok(Date.now() - started < 6000, 'within the request timeout (plus the check interval)')
})

t.test('the 503 while closing is in the error format, with Retry-After', async (t) => {
  const { app } = await build(t)
  // A request that arrives once closing has begun (after the envelope's preClose hook, while the server still listens).
  let answer: Raw | undefined
  app.addHook('preClose', async () => { answer = await raw(port, ['GET /health HTTP/1.1\r\nHost: a\r\n\r\n'], 0, 3000) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  await app.close()
  inFormat(t, answer as Raw, 503, 'SERVICE_UNAVAILABLE')
  t.equal(answer?.headers['retry-after'], '1')
  t.equal(answer?.headers.connection, 'close')
})

t.test('Content-Encoding other than identity is 415; nosniff and no-store on every answer', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/catalogs', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: '{}' })
  t.equal(res.statusCode, 415)
  t.equal(res.json().errorCode, 'UNSUPPORTED_CONTENT_ENCODING')
  for (const url of ['/health', '/api/v1/tables', '/nowhere']) {
    const r = await app.inject({ method: 'GET', url })
    t.equal(r.headers['x-content-type-options'], 'nosniff', url)
    t.equal(r.headers['cache-control'], 'no-store', url)
  }
})
