import t from 'tap'
import Fastify from 'fastify'
import platformAccessList from '../src/index.js'
import { build, fakeAuth, getFrom } from './fixtures/app.js'

const REFUSED = 'IP_ADDRESS_NOT_ON_ACCESS_LIST'

t.test('YugabyteDB seed "API network access": a single IPv4 ipAddress admits that address only', async (t) => {
  const app = await build(t, [{ ipAddress: '10.1.2.3' }])
  t.equal((await getFrom(app, '10.1.2.3')).statusCode, 200)
  const refused = await getFrom(app, '10.1.2.4')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body.code, REFUSED)
})

t.test('a cidrBlock admits every address of the block and nothing outside it', async (t) => {
  const app = await build(t, [{ cidrBlock: '192.168.8.0/22' }])
  for (const address of ['192.168.8.0', '192.168.9.77', '192.168.11.255']) {
    t.equal((await getFrom(app, address)).statusCode, 200, address)
  }
  for (const address of ['192.168.7.255', '192.168.12.0', '10.0.0.1']) {
    t.equal((await getFrom(app, address)).statusCode, 403, address)
  }
})

t.test('IPv6 ipAddress and IPv6 cidrBlock', async (t) => {
  const app = await build(t, [{ ipAddress: '2001:DB8:0:0::10' }, { cidrBlock: '2001:db8:aa00::/40' }])
  t.equal((await getFrom(app, '2001:db8::10')).statusCode, 200, 'address written in another form')
  t.equal((await getFrom(app, '2001:db8::11')).statusCode, 403)
  t.equal((await getFrom(app, '2001:db8:aa12:3456::1')).statusCode, 200, 'inside the /40')
  t.equal((await getFrom(app, '2001:db8:ab00::1')).statusCode, 403, 'outside the /40')
})

t.test('an IPv4-mapped IPv6 socket address (dual-stack listener) matches the IPv4 entry', async (t) => {
  const app = await build(t, [{ cidrBlock: '127.0.0.1/32' }])
  t.equal((await getFrom(app, '::ffff:127.0.0.1')).statusCode, 200)
  const refused = await getFrom(app, '::ffff:127.0.0.2')
  t.equal(refused.statusCode, 403)
  t.match(refused.body.message, /IP address 127\.0\.0\.2 is not on/, 'named in the IPv4 form the list uses')
})

t.test('an IPv4 entry never matches an IPv6 address, and an IPv6 entry never an IPv4 one', async (t) => {
  const app = await build(t, [{ cidrBlock: '0.0.0.0/0' }])
  t.equal((await getFrom(app, '203.0.113.9')).statusCode, 200)
  t.equal((await getFrom(app, '2001:db8::1')).statusCode, 403)
  const v6 = await build(t, [{ cidrBlock: '::/0' }])
  t.equal((await getFrom(v6, '2001:db8::1')).statusCode, 200)
  t.equal((await getFrom(v6, '203.0.113.9')).statusCode, 403)
})

t.test('the 403 names the client address in the message and in parameters', async (t) => {
  const app = await build(t, [{ ipAddress: '10.0.0.1' }])
  const { statusCode, body } = await getFrom(app, '10.1.2.3')
  t.equal(statusCode, 403)
  t.equal(body.code, REFUSED)
  t.equal(body.error, 'Forbidden')
  t.equal(body.message, 'IP address 10.1.2.3 is not on the access list for this API key')
})

t.test('the refusal error carries parameters: [address] for the envelope', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  let seen: unknown
  app.setErrorHandler((error, _request, reply) => {
    seen = (error as { parameters?: unknown }).parameters
    return reply.code(403).send({ code: (error as { code?: string }).code })
  })
  await app.register(fakeAuth, { accessList: [{ ipAddress: '10.0.0.1' }] })
  await app.register(platformAccessList)
  app.get('/things', async () => ({ ok: true }))
  const response = await app.inject({ url: '/things', remoteAddress: '2001:DB8::7' })
  t.equal(response.statusCode, 403)
  t.same(seen, ['2001:db8::7'])
})

t.test('YugabyteDB seed: a key with an empty or missing access list is refused by default', async (t) => {
  const empty = await build(t, [])
  const refused = await getFrom(empty, '127.0.0.1')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body.code, REFUSED)
  const missing = await build(t, undefined)
  t.equal((await getFrom(missing, '127.0.0.1')).statusCode, 403)
})

t.test('allowEmpty: true lets a key with an empty or missing list through', async (t) => {
  const empty = await build(t, [], { allowEmpty: true })
  t.equal((await getFrom(empty, '198.51.100.1')).statusCode, 200)
  const missing = await build(t, undefined, { allowEmpty: true })
  t.equal((await getFrom(missing, '198.51.100.1')).statusCode, 200)
})

t.test('allowEmpty does not open a list whose entries have all expired', async (t) => {
  const app = await build(t, [{ ipAddress: '198.51.100.1', deleteAfterDate: '2000-01-01T00:00:00Z' }], { allowEmpty: true })
  t.equal((await getFrom(app, '198.51.100.1')).statusCode, 403)
  t.equal((await getFrom(app, '198.51.100.2')).statusCode, 403)
})

t.test('Atlas deleteAfterDate: an expired entry is ignored, a future one is in force', async (t) => {
  const app = await build(t, [
    { ipAddress: '10.0.0.1', deleteAfterDate: '2001-01-01T00:00:00Z' },
    { ipAddress: '10.0.0.2', deleteAfterDate: '2999-01-01T00:00:00Z' }
  ])
  t.equal((await getFrom(app, '10.0.0.1')).statusCode, 403)
  t.equal((await getFrom(app, '10.0.0.2')).statusCode, 200)
})

t.test('an entry cached while in force stops matching once its deleteAfterDate passes', async (t) => {
  const entries = [{ ipAddress: '10.0.0.1', deleteAfterDate: new Date(Date.now() + 150).toISOString() }]
  const app = await build(t, entries)
  t.equal((await getFrom(app, '10.0.0.1')).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal((await getFrom(app, '10.0.0.1')).statusCode, 403, 'same array, recompiled after expiry')
})

t.test('route config.accessList: false is not checked', async (t) => {
  const app = await build(t, [{ ipAddress: '10.0.0.1' }])
  t.equal((await getFrom(app, '192.0.2.1', '/health')).statusCode, 200)
  t.equal((await getFrom(app, '192.0.2.1', '/things')).statusCode, 403)
})

t.test('an unknown path is checked too: 403 from a refused address, 404 from an allowed one', async (t) => {
  const app = await build(t, [{ ipAddress: '10.0.0.1' }])
  t.equal((await getFrom(app, '192.0.2.1', '/nowhere')).statusCode, 403)
  t.equal((await getFrom(app, '10.0.0.1', '/nowhere')).statusCode, 404)
})

t.test('a request without a principal (auth skipped the route) is not checked', async (t) => {
  const app = await build(t, [])
  t.equal((await getFrom(app, '192.0.2.1', '/things', { 'x-anonymous': '1' })).statusCode, 200)
})

t.test('getAccessList reads the list elsewhere, sync or async', async (t) => {
  const app = await build(t, [{ ipAddress: '10.0.0.1' }], {
    getAccessList: async (request) => request.headers['x-list'] === 'b' ? [{ cidrBlock: '10.9.0.0/16' }] : undefined
  })
  t.equal((await getFrom(app, '10.9.1.1', '/things', { 'x-list': 'b' })).statusCode, 200)
  t.equal((await getFrom(app, '10.0.0.1', '/things', { 'x-list': 'b' })).statusCode, 403)
  t.equal((await getFrom(app, '10.0.0.1')).statusCode, 403, 'undefined list: refused')
})

t.test('a stored list with an invalid entry gives a 500, not the client\'s 400', async (t) => {
  const app = await build(t, [{ ipAddress: '10.0.0.1' }, { cidrBlock: '10.0.0.5/24' }])
  const { statusCode, body } = await getFrom(app, '10.0.0.1')
  t.equal(statusCode, 500)
  t.equal(body.code, 'ACCESS_LIST_UNUSABLE')
})

t.test('trustProxy: request.ip is the forwarded client address only when the app trusts the proxy', async (t) => {
  const headers = { 'x-forwarded-for': '10.0.0.1' }
  const app = await build(t, [{ ipAddress: '10.0.0.1' }])
  t.equal((await getFrom(app, '192.0.2.1', '/things', headers)).statusCode, 403, 'socket address by default')

  const proxied = Fastify({ trustProxy: '192.0.2.1' })
  t.teardown(() => proxied.close())
  await proxied.register(fakeAuth, { accessList: [{ ipAddress: '10.0.0.1' }] })
  await proxied.register(platformAccessList)
  proxied.get('/things', async () => ({ ok: true }))
  t.equal((await getFrom(proxied, '192.0.2.1', '/things', headers)).statusCode, 200)
})

t.test('bad options throw ACCESS_LIST_INVALID_OPTION at registration', async (t) => {
  for (const options of [{ getAccessList: 'principal.accessList' }, { allowEmpty: 'yes' }]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(fakeAuth, {})
    app.register(platformAccessList, options as never)
    await t.rejects(async () => { await app.ready() }, { code: 'ACCESS_LIST_INVALID_OPTION' }, JSON.stringify(options))
  }
})

t.test('without an authentication that decorates request.principal, ready() fails naming it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(platformAccessList)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE', message: /principal/ })
})

t.test('onMatch reports the entry that admitted the request, in its normal form, and the address', async (t) => {
  const seen: Array<[string, string]> = []
  const app = await build(t, [{ ipAddress: '2001:DB8::1' }, { cidrBlock: '10.0.0.0/8' }], { onMatch: (_request, entry, address) => { seen.push([entry, address]) } })
  t.equal((await app.inject({ method: 'GET', url: '/things', remoteAddress: '10.9.8.7' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/things', remoteAddress: '2001:db8:0::1' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/things', remoteAddress: '192.0.2.1' })).statusCode, 403)
  t.same(seen, [['10.0.0.0/8', '10.9.8.7'], ['2001:db8::1', '2001:db8::1']])
})
