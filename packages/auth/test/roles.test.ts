// Roles mapped to route permissions, route opt-out, and option validation.
import t from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import platformAuth, { DEFAULT_ALGORITHMS, DEFAULT_ROLES, hasPermission, MemoryKeyStore, type AuthOptions } from '../src/index.js'
import { buildApp, digestInject, makeKey, MEMBER, NOBODY, OWNER, READER } from './fixtures/helpers.js'

t.test('DEFAULT_ROLES: ORG_OWNER everything, ORG_MEMBER catalog read/write, ORG_READ_ONLY reads', async (t) => {
  t.same(DEFAULT_ROLES, {
    ORG_OWNER: ['*'],
    ORG_MEMBER: ['catalog:read', 'catalog:write', 'integration:read', 'task:read'],
    ORG_READ_ONLY: ['catalog:read', 'integration:read', 'task:read']
  })
  t.ok(Object.isFrozen(DEFAULT_ROLES))
  for (const permission of ['admin:read', 'admin:write']) {
    t.ok(hasPermission(['ORG_OWNER'], permission, DEFAULT_ROLES), `ORG_OWNER has ${permission}`)
    t.notOk(hasPermission(['ORG_MEMBER'], permission, DEFAULT_ROLES), `ORG_MEMBER lacks ${permission}`)
    t.notOk(hasPermission(['ORG_READ_ONLY'], permission, DEFAULT_ROLES), `ORG_READ_ONLY lacks ${permission}`)
  }
})

t.test('hasPermission: "*" matches a whole segment', async (t) => {
  const grants = { ALL: ['*'], CATALOG: ['catalog:*'], READS: ['*:read'], EXACT: ['task:read'], EMPTY: [] }
  t.ok(hasPermission(['ALL'], 'anything:at:all', grants))
  t.ok(hasPermission(['CATALOG'], 'catalog:write', grants))
  t.notOk(hasPermission(['CATALOG'], 'catalogue:write', grants))
  t.notOk(hasPermission(['CATALOG'], 'catalog', grants), 'segment counts must match')
  t.ok(hasPermission(['READS'], 'admin:read', grants))
  t.notOk(hasPermission(['READS'], 'admin:write', grants))
  t.ok(hasPermission(['EXACT'], 'task:read', grants))
  t.notOk(hasPermission(['EXACT'], 'task:write', grants))
  t.notOk(hasPermission(['EMPTY'], 'task:read', grants))
  t.notOk(hasPermission([], 'task:read', grants), 'no roles, no permission')
  t.notOk(hasPermission(['UNKNOWN', '__proto__', 'constructor', 'toString'], 'task:read', grants), 'unknown and inherited names grant nothing')
  t.ok(hasPermission(['UNKNOWN', 'EXACT'], 'task:read', grants), 'any one role is enough')
})

t.test('ORG_READ_ONLY gets 403 INSUFFICIENT_ROLE on a catalog:write route; ORG_MEMBER passes', async (t) => {
  const app = await buildApp(t)
  const denied = await digestInject(app, { method: 'POST', url: '/catalogs', key: READER, payload: { name: 'c' } })
  t.equal(denied.statusCode, 403)
  t.same(denied.json(), {
    statusCode: 403,
    code: 'INSUFFICIENT_ROLE',
    error: 'Forbidden',
    message: 'The API key lacks permission catalog:write'
  })
  t.equal(denied.headers['www-authenticate'], undefined)

  t.equal((await digestInject(app, { url: '/catalogs', key: READER })).statusCode, 200, 'ORG_READ_ONLY reads catalogs')
  t.equal((await digestInject(app, { url: '/tasks', key: READER })).statusCode, 200, 'ORG_READ_ONLY reads tasks')
  t.equal((await digestInject(app, { method: 'POST', url: '/catalogs', key: MEMBER, payload: { name: 'c' } })).statusCode, 201, 'ORG_MEMBER writes catalogs')
  t.equal((await digestInject(app, { url: '/catalogs', key: MEMBER })).statusCode, 200)
  const memberAdmin = await digestInject(app, { url: '/apiKeys', key: MEMBER })
  t.equal(memberAdmin.statusCode, 403, 'ORG_MEMBER cannot read apiKeys')
  t.equal(memberAdmin.json().message, 'The API key lacks permission admin:read')
  t.equal((await digestInject(app, { url: '/catalogs', key: NOBODY })).statusCode, 403, 'a key without roles')
  t.equal((await digestInject(app, { method: 'HEAD', url: '/catalogs', key: NOBODY })).statusCode, 403, 'the HEAD route of a GET is checked too')
  t.equal((await digestInject(app, { method: 'HEAD', url: '/catalogs', key: READER })).statusCode, 200)
})

t.test('ORG_OWNER passes everything', async (t) => {
  const app = await buildApp(t)
  t.equal((await digestInject(app, { url: '/catalogs', key: OWNER })).statusCode, 200)
  t.equal((await digestInject(app, { method: 'POST', url: '/catalogs', key: OWNER, payload: {} })).statusCode, 201)
  t.equal((await digestInject(app, { url: '/apiKeys', key: OWNER })).statusCode, 200)
  t.equal((await digestInject(app, { method: 'POST', url: '/apiKeys', key: OWNER, payload: {} })).statusCode, 201)
  t.equal((await digestInject(app, { url: '/tasks', key: OWNER })).statusCode, 200)
  t.equal((await digestInject(app, { url: '/x', key: OWNER })).statusCode, 200, 'a route without a permission needs only authentication')
})

t.test('config.auth: false: the route needs nothing and request.principal is null', async (t) => {
  const app = await buildApp(t)
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { ok: true, principal: null })
  t.equal(res.headers['www-authenticate'], undefined)
  const garbage = await app.inject({ method: 'GET', url: '/health', headers: { authorization: 'Digest garbage"' } })
  t.equal(garbage.statusCode, 200, 'credentials are not even read')
})

t.test('the 403 error carries parameters: [permission]', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore([READER.creds]) })
  let parameters: unknown
  app.setErrorHandler(async (error: { statusCode?: number, parameters?: unknown }, _request, reply) => {
    parameters = error.parameters
    return await reply.code(error.statusCode ?? 500).send({})
  })
  app.post('/catalogs', { config: { permission: 'catalog:write' } }, async () => 'ok')
  t.equal((await digestInject(app, { method: 'POST', url: '/catalogs', key: READER, payload: {} })).statusCode, 403)
  t.same(parameters, ['catalog:write'])
})

t.test('the permission check runs after every global onRequest hook and after existing route-level hooks', async (t) => {
  const keyStore = new MemoryKeyStore([READER.creds, MEMBER.creds])
  const app = Fastify()
  t.teardown(() => app.close())
  const order: string[] = []
  await app.register(platformAuth, { keyStore })
  // stands in for @platform-api/access-list: a global onRequest hook registered after auth
  app.addHook('onRequest', async (request: FastifyRequest) => { order.push(`accessList:${request.principal?.publicKey ?? 'none'}`) })
  app.post('/one', {
    config: { permission: 'catalog:write' },
    onRequest: async () => { order.push('route') }
  }, async () => 'ok')
  app.post('/many', {
    config: { permission: 'catalog:write' },
    onRequest: [async () => { order.push('route1') }, async () => { order.push('route2') }]
  }, async () => 'ok')

  t.equal((await digestInject(app, { method: 'POST', url: '/one', key: READER, payload: {} })).statusCode, 403)
  t.same(order.slice(-2), ['accessList:readerkey', 'route'], 'function-form route hook kept, permission checked after it')
  order.length = 0
  t.equal((await digestInject(app, { method: 'POST', url: '/many', key: MEMBER, payload: {} })).statusCode, 200)
  t.same(order.slice(-3), ['accessList:memberkey', 'route1', 'route2'], 'array-form route hooks kept')
})

t.test('a permission route with config.auth false has no principal, so no role: 403', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore() })
  app.get('/open', { config: { auth: false, permission: 'catalog:read' } }, async () => 'ok')
  const res = await app.inject({ method: 'GET', url: '/open' })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'INSUFFICIENT_ROLE')
})

t.test('the roles option replaces the defaults', async (t) => {
  const auditor = makeKey('auditorkey', 'secret', ['AUDITOR'])
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore([auditor.creds, OWNER.creds]), roles: { AUDITOR: ['*:read'] } })
  app.get('/apiKeys', { config: { permission: 'admin:read' } }, async () => 'ok')
  app.post('/apiKeys', { config: { permission: 'admin:write' } }, async () => 'ok')
  t.equal((await digestInject(app, { url: '/apiKeys', key: auditor })).statusCode, 200)
  t.equal((await digestInject(app, { method: 'POST', url: '/apiKeys', key: auditor, payload: {} })).statusCode, 403)
  t.equal((await digestInject(app, { url: '/apiKeys', key: OWNER })).statusCode, 403, 'ORG_OWNER is not defined any more')
})

t.test('bad options throw AUTH_INVALID_OPTION at startup', async (t) => {
  const keyStore = new MemoryKeyStore()
  const cases: Array<[string, unknown]> = [
    ['missing keyStore', {}],
    ['keyStore without getByPublicKey', { keyStore: {} }],
    ['empty realm', { keyStore, realm: '' }],
    ['realm with CR LF', { keyStore, realm: 'a\r\nSet-Cookie: x=1' }],
    ['realm not ASCII', { keyStore, realm: 'réalm' }],
    ['unknown algorithm', { keyStore, algorithms: ['SHA-512'] }],
    ['SHA-1 (not an RFC 7616 algorithm)', { keyStore, algorithms: ['SHA-1'] }],
    ['an algorithm twice', { keyStore, algorithms: ['SHA-256', 'MD5', 'SHA-256'] }],
    ['nonceCountStore without advance()', { keyStore, nonceCountStore: { check: () => true } }],
    ['nonceCountStore null', { keyStore, nonceCountStore: null }],
    ['charset not a boolean', { keyStore, charset: 'UTF-8' }],
    ['userhash not a boolean', { keyStore, userhash: 'true' }],
    ['userhash without keyStore.getByUserhash', { keyStore: { getByPublicKey: async () => undefined }, userhash: true }],
    ['lowercase algorithm', { keyStore, algorithms: ['sha-256'] }],
    ['no algorithms', { keyStore, algorithms: [] }],
    ['algorithms not an array', { keyStore, algorithms: 'SHA-256' }],
    ['lifetime 0', { keyStore, nonceLifetimeSeconds: 0 }],
    ['negative lifetime', { keyStore, nonceLifetimeSeconds: -5 }],
    ['NaN lifetime', { keyStore, nonceLifetimeSeconds: Number.NaN }],
    ['infinite lifetime', { keyStore, nonceLifetimeSeconds: Number.POSITIVE_INFINITY }],
    ['string lifetime', { keyStore, nonceLifetimeSeconds: '300' }],
    ['short secret string', { keyStore, nonceSecret: 'too-short' }],
    ['short secret Buffer', { keyStore, nonceSecret: Buffer.alloc(31) }],
    ['secret of another type', { keyStore, nonceSecret: 42 }],
    ['roles not an object', { keyStore, roles: ['ORG_OWNER'] }],
    ['role grants not an array', { keyStore, roles: { R: 'catalog:read' } }],
    ['role grants not strings', { keyStore, roles: { R: ['catalog:read', 7] } }],
    ['role grant with a partial wildcard', { keyStore, roles: { R: ['catalog:wr*'] } }],
    ['role grant with an empty segment', { keyStore, roles: { R: ['catalog:'] } }]
  ]
  for (const [name, options] of cases) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(platformAuth, options as AuthOptions)
    await t.rejects(async () => await app.ready(), { code: 'AUTH_INVALID_OPTION' }, name)
  }

  const good = Fastify()
  t.teardown(() => good.close())
  good.register(platformAuth, { keyStore, nonceSecret: 'x'.repeat(32), nonceLifetimeSeconds: 0.5, algorithms: ['MD5'], realm: 'r', roles: {} })
  await t.resolves(async () => await good.ready(), 'valid options are accepted')

  const defaults = Fastify()
  t.teardown(() => defaults.close())
  defaults.register(platformAuth, { keyStore, realm: undefined, algorithms: undefined, nonceLifetimeSeconds: undefined, roles: undefined, nonceCountStore: undefined, charset: undefined, userhash: undefined })
  defaults.get('/x', async () => 'ok')
  const res = await defaults.inject({ method: 'GET', url: '/x' })
  const challenges = res.headers['www-authenticate'] as string[]
  t.same(challenges.map((c) => /algorithm=([^,]+)/.exec(c)?.[1]), DEFAULT_ALGORITHMS, 'an option given as undefined takes its default')
  t.match(challenges[0], /^Digest realm="platform-api", qop="auth", algorithm=MD5, nonce="[^"]+", opaque="[^"]+", charset=UTF-8$/)
})

t.test('an invalid config.permission throws AUTH_INVALID_OPTION at route registration', async (t) => {
  for (const permission of ['', 'catalog:*', 'catalog::read', 'catalog read', 42]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(platformAuth, { keyStore: new MemoryKeyStore() })
    t.throws(() => app.get('/x', { config: { permission: permission as string } }, async () => 'ok'),
      { code: 'AUTH_INVALID_OPTION' }, JSON.stringify(permission))
  }
})
