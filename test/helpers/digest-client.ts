/**
 * A small HTTPS client with HTTP Digest (RFC 7616) for load and multi-instance tests: it
 * keeps the last challenge (as browsers and requests' HTTPDigestAuth do), counts `nc` up,
 * and asks for a new challenge on a 401. Self-signed certificates are accepted.
 */
import { Agent, request } from 'node:https'
import { digestAuthorization } from 'fastify-platform-api'

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** The body parsed as JSON, or undefined. */
  json: any
  /** Milliseconds from sending to the last byte. */
  ms: number
}

const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 32 })

/** One HTTPS request; rejects on a socket error or after `timeoutMs`. */
export async function send (url: string, options: { method?: string, headers?: Record<string, string>, body?: string, timeoutMs?: number } = {}): Promise<Answer> {
  const started = Date.now()
  return await new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent, timeout: options.timeoutMs ?? 20_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => {
        let json: unknown
        try { json = body === '' ? undefined : JSON.parse(body) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json, ms: Date.now() - started })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`no answer in ${options.timeoutMs ?? 20_000} ms: ${options.method ?? 'GET'} ${url}`)) })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Digest credentials against one origin (change `origin` to talk to another instance). */
export class DigestClient {
  origin: string
  readonly username: string
  readonly password: string
  challenge: string | undefined
  #nc = 0

  constructor (origin: string, username: string, password: string) {
    this.origin = origin
    this.username = username
    this.password = password
  }

  /** Send with Digest; on a 401, take its challenge and send once more. */
  async request (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const h: Record<string, string> = { accept: 'application/json', ...headers }
      if (this.challenge !== undefined) {
        this.#nc++
        h.authorization = digestAuthorization({ challenge: this.challenge, username: this.username, password: this.password, method, uri: path, nc: this.#nc })
      }
      let payload: string | undefined
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body)
        h['content-type'] ??= 'application/json'
      }
      const answer = await send(`${this.origin}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) })
      const challenge = answer.headers['www-authenticate']
      if (answer.status === 401 && attempt === 0 && challenge !== undefined) {
        this.challenge = Array.isArray(challenge) ? challenge[0] : challenge
        this.#nc = 0
        continue
      }
      return answer
    }
  }
}
