/**
 * One authenticated request: HTTP Digest with nonce reuse (one round trip per request once a
 * nonce is known), a new nonce on `stale=true` or `nextnonce`, and bounded retries with
 * backoff on 429 and 503 honouring `Retry-After` (RFC 9110 §10.2.3).
 */
import { Agent, request as undiciRequest, type Dispatcher } from 'undici'
import { ClientDigestError } from '../errors.js'
import { chooseChallenge, parseAuthenticationInfo, parseChallenges, DigestSession, type DigestAlgorithm } from './digest.js'

/** What one request needs. */
export interface HttpRequest {
  method: string
  /** Path and query, e.g. `/api/v1/tables?limit=10`. */
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/** An answer, read whole. */
export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The body as text ('' when empty). */
  text: string
}

/** Settings of the transport. */
export interface TransportOptions {
  origin: string
  username: string
  password: string
  algorithms: readonly DigestAlgorithm[]
  dispatcher: Dispatcher
  retries: number
  maxRetryDelayMs: number
  userAgent: string
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/**
 * The wait a `Retry-After` value asks for, in ms: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * `undefined` when absent or malformed.
 */
export function retryAfterMs (value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return undefined
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

/** Builds the undici Agent of a client: TLS trusting `ca` when given. */
export function createAgent (ca: string | Buffer | undefined): Agent {
  return new Agent({ connect: ca !== undefined ? { ca } : {}, keepAliveTimeout: 10_000 })
}

/** Sends requests for one key, keeping its Digest session between them. */
export class Transport {
  private session: DigestSession | undefined
  /** Requests sent on the wire (challenge probes and retries included). */
  roundTrips = 0

  constructor (private readonly options: TransportOptions) {}

  private async send (req: HttpRequest, authorization: string | undefined): Promise<HttpResponse> {
    this.roundTrips += 1
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, accept: 'application/json', ...(req.headers ?? {}) }
    if (authorization !== undefined) headers.authorization = authorization
    const answer = await undiciRequest(`${this.options.origin}${req.path}`, {
      method: req.method as Dispatcher.HttpMethod,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      dispatcher: this.options.dispatcher
    })
    const text = await answer.body.text()
    return { status: answer.statusCode, headers: answer.headers as HttpResponse['headers'], text }
  }

  private newSession (response: HttpResponse): DigestSession {
    const challenge = chooseChallenge(parseChallenges(response.headers['www-authenticate']), this.options.algorithms)
    if (challenge === undefined) {
      throw new ClientDigestError(`the server answered ${response.status} without a Digest challenge this client can answer (allowed algorithms: ${this.options.algorithms.join(', ')})`)
    }
    return new DigestSession(challenge, this.options.username, this.options.password)
  }

  /** One authenticated exchange, without the 429/503 retries. */
  private async authenticated (req: HttpRequest): Promise<HttpResponse> {
    if (this.session === undefined) {
      // First request: learn the nonce. A GET carries no body, so nothing is sent twice.
      const probe = await this.send({ method: 'GET', path: req.path, headers: req.headers ?? {} }, undefined)
      if (probe.status === 401) {
        this.session = this.newSession(probe)
      } else if (req.method === 'GET') {
        return probe
      } else {
        // No challenge for a GET here (no GET route, or no authentication): send the request itself.
        const direct = await this.send(req, undefined)
        if (direct.status !== 401) return direct
        this.session = this.newSession(direct)
      }
    }
    let session = this.session
    let response = await this.send(req, session.authorization(req.method, req.path))
    if (response.status === 401) {
      // stale=true (nonce expired), a nonce the server no longer knows, or an nc that arrived
      // out of order under concurrency: answer the fresh challenge once.
      session = this.newSession(response)
      this.session = session
      response = await this.send(req, session.authorization(req.method, req.path))
    }
    const nextnonce = parseAuthenticationInfo(response.headers['authentication-info']).nextnonce
    if (nextnonce !== undefined && nextnonce !== '' && nextnonce !== session.challenge.nonce && this.session === session) {
      this.session = session.withNonce(nextnonce, this.options.password)
    }
    return response
  }

  /**
   * Send with Digest; on 429 or 503 wait (`Retry-After`, capped at `maxRetryDelayMs`, or
   * exponential backoff from 250 ms) and try again, at most `retries` more times.
   */
  async request (req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.authenticated(req)
      if ((response.status !== 429 && response.status !== 503) || attempt >= this.options.retries) return response
      const asked = retryAfterMs(response.headers['retry-after'])
      const backoff = Math.round(250 * 2 ** attempt * (0.75 + Math.random() * 0.5))
      await sleep(Math.min(asked ?? backoff, this.options.maxRetryDelayMs))
    }
  }
}
