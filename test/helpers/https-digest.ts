/**
 * A small HTTPS client with HTTP Digest for the end-to-end tests: every request first gets a
 * fresh challenge (an unauthenticated request), then answers it, as curl --digest does. It
 * trusts only the server's own certificate (`ca`).
 */
import { request as httpsRequest } from 'node:https'
import { digestAuthorization } from '@platform-api/auth'

export interface HttpsResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: () => any // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  body?: string | object
  contentType?: string
  headers?: Record<string, string>
  /** Send no credentials. */
  anonymous?: boolean
}

/** One HTTPS request (no Digest). */
export async function send (origin: string, ca: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpsResponse> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  const headers: Record<string, string> = { ...(options.headers ?? {}) }
  if (payload !== undefined) {
    headers['content-type'] ??= options.contentType ?? 'application/json'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return await new Promise((resolve, reject) => {
    const req = httpsRequest(`${origin}${path}`, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

/** A Digest client for one key. */
export function digestClient (origin: string, ca: string, username: string, password: string) {
  return async function call (method: string, path: string, options: RequestOptions = {}): Promise<HttpsResponse> {
    if (options.anonymous === true) return await send(origin, ca, method, path, options)
    const first = await send(origin, ca, 'GET', path)
    const header = first.headers['www-authenticate']
    if (header === undefined) throw new Error(`no challenge for ${path}: ${first.status} ${first.body}`)
    const challenge = Array.isArray(header) ? header.join(', ') : header
    const authorization = digestAuthorization({ challenge, username, password, method, uri: path })
    return await send(origin, ca, method, path, { ...options, headers: { ...(options.headers ?? {}), authorization } })
  }
}
