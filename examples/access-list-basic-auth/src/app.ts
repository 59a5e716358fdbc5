/**
 * The access list behind an authentication that is not ours. `@fastify/basic-auth` checks
 * the user; its `validate` sets `request.principal` (the contract declared by
 * `@platform-api/envelope`), and `@platform-api/access-list` refuses addresses that are not on
 * that user's list with 403 `IP_ADDRESS_NOT_ON_ACCESS_LIST`.
 */
import { timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import basicAuth from '@fastify/basic-auth'
import envelope, { type AccessListEntry } from '@platform-api/envelope'
import accessList from '@platform-api/access-list'

/** A user of this example: a password and an IP access list (Atlas `ipAddress` / `cidrBlock`). */
export interface User { password: string, roles: string[], accessList: AccessListEntry[] }

/**
 * Build the app (not listening).
 * @param users user name to user; `httpsOnly` as the envelope's option (false for a local demo).
 * @param trustProxy Fastify's `trustProxy`: only the proxies listed may set the client address.
 */
export async function buildApp (users: Record<string, User>, options: { httpsOnly?: boolean, trustProxy?: string[] } = {}): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy: options.trustProxy ?? false })
  await app.register(envelope, { httpsOnly: options.httpsOnly ?? false })
  app.decorateRequest('principal', null)
  await app.register(basicAuth, {
    authenticate: { realm: 'example' },
    async validate (username, password, request) {
      const user = Object.hasOwn(users, username) ? users[username] : undefined
      const given = Buffer.from(password)
      const expected = Buffer.from(user?.password ?? '')
      if (user === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw Object.assign(new Error('Wrong user name or password'), { statusCode: 401, code: 'UNAUTHORIZED' })
      }
      request.principal = { id: username, publicKey: username, roles: user.roles, accessList: user.accessList }
    }
  })
  app.addHook('onRequest', app.basicAuth)
  await app.register(accessList)
  app.get('/whoami', async (request) => ({ user: request.principal?.id, address: request.ip }))
  return app
}
