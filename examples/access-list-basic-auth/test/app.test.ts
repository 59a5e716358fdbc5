import t from 'tap'
import { buildApp, type User } from '../src/app.js'

const users: Record<string, User> = {
  alice: { password: 'wonderland', roles: [], accessList: [{ cidrBlock: '10.0.0.0/8' }] },
  bob: { password: 'builder', roles: [], accessList: [{ ipAddress: '2001:db8::7' }] }
}
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

t.test('@fastify/basic-auth sets request.principal; the access list checks the address of that user', async (t) => {
  const app = await buildApp(users)
  t.teardown(() => app.close())
  const inside = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '10.1.2.3', headers: { authorization: basic('alice', 'wonderland') } })
  t.same(inside.json(), { user: 'alice', address: '10.1.2.3' })
  const outside = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '192.0.2.1', headers: { authorization: basic('alice', 'wonderland') } })
  t.equal(outside.statusCode, 403)
  t.match(outside.json(), { errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST', parameters: ['192.0.2.1'] })
  const v6 = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '2001:db8::7', headers: { authorization: basic('bob', 'builder') } })
  t.equal(v6.statusCode, 200)
  const wrong = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '10.1.2.3', headers: { authorization: basic('alice', 'queen') } })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().errorCode, 'UNAUTHORIZED')
})

t.test('X-Forwarded-For counts only from a trusted proxy', async (t) => {
  const app = await buildApp(users, { trustProxy: ['127.0.0.1'] })
  t.teardown(() => app.close())
  const viaProxy = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '10.9.9.9', authorization: basic('alice', 'wonderland') } })
  t.equal(viaProxy.statusCode, 200)
  const spoofed = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '192.0.2.50', headers: { 'x-forwarded-for': '10.9.9.9', authorization: basic('alice', 'wonderland') } })
  t.equal(spoofed.statusCode, 403)
})
