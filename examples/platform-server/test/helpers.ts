import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { digestAuthorization } from 'fastify-platform-api'

/** `inject` with HTTP Digest: one unauthenticated request for the challenge, then the real one (as curl --digest does). */
export async function digestInject (app: FastifyInstance, credentials: { username: string, password: string }, options: InjectOptions & { method: string, url: string }): Promise<LightMyRequestResponse> {
  const first = await app.inject({ ...options, payload: undefined, method: 'GET', url: options.url })
  const challenge = first.headers['www-authenticate']
  if (typeof challenge !== 'string') throw new Error(`no challenge: ${first.statusCode} ${first.body}`)
  const authorization = digestAuthorization({ challenge, username: credentials.username, password: credentials.password, method: options.method, uri: options.url })
  return await app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization } })
}
