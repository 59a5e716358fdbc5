// RFC 7616 §5.5 (replay attacks): nc must rise strictly per nonce; the replay state in memory
// (bounded, expiring) and in Redis (shared by instances behind a load balancer).
import t from 'tap'
import { createHash, randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import platformAuth, {
  createNonce, digestAuthorization, MemoryKeyStore, MemoryNonceCountStore, RedisNonceCountStore, type AuthOptions, type NonceCountStore
} from '../src/index.js'
import { buildApp, challengesOf, getChallenge, MEMBER, nonceOf, OWNER } from './fixtures/helpers.js'

const answer = (challenge: string, extra: { nc?: number, cnonce?: string, method?: string, uri?: string } = {}) => digestAuthorization({
  challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: extra.method ?? 'GET', uri: extra.uri ?? '/x', ...extra
})

/** The SHA-256 response of `header` recomputed for its own nc (digestAuthorization only makes nc >= 1). */
function rubyResponse (challenge: string, header: string): string {
  const sha = (v: string) => createHash('sha256').update(v).digest('hex')
  const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(header)?.[1] as string
  const ha1 = sha(`${MEMBER.publicKey}:platform-api:${MEMBER.privateKey}`)
  return sha(`${ha1}:${nonceOf(challenge)}:${field('nc')}:${field('cnonce')}:auth:${sha('GET:/x')}`)
}

async function send (app: FastifyInstance, authorization: string, url = '/x') {
  return await app.inject({ method: 'GET', url, headers: { authorization } })
}

t.test('RFC 7616 §5.5: the same Authorization header twice: the second is 401 with a fresh challenge', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'] })
  const challenge = await getChallenge(app)
  const header = answer(challenge)
  t.equal((await send(app, header)).statusCode, 200)
  const replayed = await send(app, header)
  t.equal(replayed.statusCode, 401)
  t.equal(replayed.json().code, 'UNAUTHORIZED')
  const fresh = replayed.headers['www-authenticate'] as string
  t.not(nonceOf(fresh), nonceOf(challenge), 'a fresh nonce')
  t.notMatch(fresh, /stale/, 'not stale: a replay is not a slow client')
  t.equal((await send(app, answer(fresh))).statusCode, 200, 'the fresh challenge works')
})

t.test('RFC 7616 §3.4: nc must rise strictly per nonce: lower and equal refused, higher (gaps allowed) accepted', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'] })
  const challenge = await getChallenge(app)
  t.equal((await send(app, answer(challenge, { nc: 1 }))).statusCode, 200, 'nc=1')
  t.equal((await send(app, answer(challenge, { nc: 2 }))).statusCode, 200, 'nc=2 (one round trip per request with the same nonce)')
  t.equal((await send(app, answer(challenge, { nc: 5 }))).statusCode, 200, 'nc=5 (a gap: requests may be lost)')
  t.equal((await send(app, answer(challenge, { nc: 3 }))).statusCode, 401, 'nc=3 after 5: lower')
  t.equal((await send(app, answer(challenge, { nc: 5, cnonce: 'other' }))).statusCode, 401, 'nc=5 again with another cnonce: equal')
  t.equal((await send(app, answer(challenge, { nc: 0xffffffff }))).statusCode, 200, 'nc=ffffffff')
  t.equal((await send(app, answer(challenge, { nc: 0xffffffff, cnonce: 'x' }))).statusCode, 401, 'nothing above ffffffff')
  // nc=00000000 (Ruby's net-http-digest-auth sends it first): accepted once, then it must rise
  const ruby = await getChallenge(app)
  const zero = digestAuthorization({ challenge: ruby, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x', nc: 1 })
    .replace('nc=00000001', 'nc=00000000')
  const zeroHeader = zero.replace(/response="[0-9a-f]+"/, `response="${rubyResponse(ruby, zero)}"`)
  t.equal((await send(app, zeroHeader)).statusCode, 200, 'nc=00000000 first: accepted')
  t.equal((await send(app, zeroHeader)).statusCode, 401, 'nc=00000000 again: a replay')
  t.equal((await send(app, answer(ruby, { nc: 1 }))).statusCode, 200, 'then nc=1')
  // another nonce has its own count
  const other = await getChallenge(app)
  t.equal((await send(app, answer(other, { nc: 1 }))).statusCode, 200, 'another nonce starts again at 1')
  // a wrong response does not consume an nc
  const wrong = digestAuthorization({ challenge: other, username: MEMBER.publicKey, password: 'wrong', method: 'GET', uri: '/x', nc: 2 })
  t.equal((await send(app, wrong)).statusCode, 401)
  t.equal((await send(app, answer(other, { nc: 2 }))).statusCode, 200, 'nc=2 still free after a failed attempt with nc=2')
})

t.test('RFC 7616 §5.5: a captured POST resent with another body (qop=auth does not cover it) is refused and does nothing', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'] })
  const created: unknown[] = []
  app.post('/keys', { config: { permission: 'admin:write' } }, async (request, reply) => { created.push(request.body); return await reply.code(201).send({ ok: true }) })
  const challenge = challengesOf((await app.inject({ method: 'POST', url: '/keys' })).headers['www-authenticate'])[0] as string
  const header = digestAuthorization({ challenge, username: OWNER.publicKey, password: OWNER.privateKey, method: 'POST', uri: '/keys' })
  const first = await app.inject({ method: 'POST', url: '/keys', headers: { authorization: header }, payload: { roles: ['ORG_READ_ONLY'] } })
  t.equal(first.statusCode, 201)
  const attack = await app.inject({ method: 'POST', url: '/keys', headers: { authorization: header }, payload: { roles: ['ORG_OWNER'], accessList: [{ cidrBlock: '0.0.0.0/0' }] } })
  t.equal(attack.statusCode, 401)
  t.same(created, [{ roles: ['ORG_READ_ONLY'] }], 'only the genuine request ran')
})

t.test('MemoryNonceCountStore: entries expire with their nonce; memory stays bounded under a flood of fresh nonces', async (t) => {
  let now = 1_000_000
  const store = new MemoryNonceCountStore({ maxEntries: 100, now: () => now })
  const info = (issuedAtMs: number) => ({ issuedAtMs, expiresAtMs: issuedAtMs + 300_000 })
  t.equal(store.advance('a', 1, info(now)), 'accepted')
  t.equal(store.advance('a', 1, info(now)), 'replayed')
  t.equal(store.advance('a', 2, info(now)), 'accepted')
  // a flood of fresh nonces, each used once
  let accepted = 0
  for (let i = 0; i < 10_000; i++) {
    now += 1
    if (store.advance(`flood-${i}`, 1, info(now)) === 'accepted') accepted++
  }
  t.equal(accepted, 10_000, 'every fresh nonce accepted')
  t.ok(store.size <= 100, `bounded: ${store.size} entries after 10 000 nonces`)
  // an evicted nonce is never accepted again: it is 'forgotten' (the client gets stale=true and a new nonce)
  t.equal(store.advance('flood-0', 2, info(1_000_001)), 'forgotten')
  t.equal(store.advance('a', 3, info(1_000_000)), 'forgotten', 'an older, evicted nonce')
  t.equal(store.advance('flood-9999', 1, info(now)), 'replayed', 'a recent one is still known')
  t.equal(store.advance('flood-9999', 2, info(now)), 'accepted')

  // expired entries are dropped before any live one
  const small = new MemoryNonceCountStore({ maxEntries: 2, now: () => now })
  small.advance('old', 1, { issuedAtMs: now - 400_000, expiresAtMs: now - 100_000 })
  small.advance('live', 1, info(now))
  small.advance('new', 1, info(now + 1))
  t.equal(small.size, 2)
  t.equal(small.advance('live', 1, info(now)), 'replayed', 'the live entry was kept; the expired one made room')
  t.throws(() => new MemoryNonceCountStore({ maxEntries: 0 }), TypeError)
})

t.test('through the plugin: an evicted nonce gets stale=true, and the client continues with a new nonce', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'], nonceCountStore: new MemoryNonceCountStore({ maxEntries: 2 }) })
  const first = await getChallenge(app)
  t.equal((await send(app, answer(first, { nc: 1 }))).statusCode, 200)
  for (let i = 0; i < 3; i++) t.equal((await send(app, answer(await getChallenge(app)))).statusCode, 200)
  const res = await send(app, answer(first, { nc: 2 }))
  t.equal(res.statusCode, 401)
  t.match(res.headers['www-authenticate'], /stale=true$/, 'stale=true: retry silently with the new nonce')
  t.equal((await send(app, answer(res.headers['www-authenticate'] as string))).statusCode, 200)
})

t.test('a failing nonceCountStore is a 500, not a 200 or a 401', async (t) => {
  const failing: NonceCountStore = { advance: async () => { throw new Error('redis down') } }
  const app = await buildApp(t, { algorithms: ['SHA-256'], nonceCountStore: failing })
  const res = await send(app, answer(await getChallenge(app)))
  t.equal(res.statusCode, 500)
})

// ---- Redis: several instances behind a load balancer -------------------------------------

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

async function connectRedis (): Promise<Redis | string> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    return client
  } catch (error) {
    client.disconnect()
    return `Redis unreachable at ${REDIS_URL} (${(error as Error).message}); CI runs these against a real Redis`
  }
}

const redis = await connectRedis()
const redisSkip = typeof redis === 'string' ? (process.env.CI === 'true' ? false : redis) : false
if (typeof redis === 'string' && process.env.CI === 'true') t.fail(`CI=true: ${redis}`)

t.test('RedisNonceCountStore: two instances sharing Redis and nonceSecret refuse each other\'s replays', { skip: redisSkip }, async (t) => {
  const client = redis as Redis
  const keyPrefix = `platform-api-test:${randomUUID()}:`
  t.teardown(async () => {
    const keys = await client.keys(`${keyPrefix}*`)
    if (keys.length > 0) await client.del(...keys)
  })
  const shared: Partial<AuthOptions> = { algorithms: ['SHA-256'], nonceSecret: 's'.repeat(32), nonceLifetimeSeconds: 5 }
  const a = await buildApp(t, { ...shared, nonceCountStore: new RedisNonceCountStore({ client, keyPrefix }) })
  const b = await buildApp(t, { ...shared, nonceCountStore: new RedisNonceCountStore({ client, keyPrefix }) })
  const created: unknown[] = []
  for (const app of [a, b]) app.post('/keys', { config: { permission: 'admin:write' } }, async (request, reply) => { created.push(request.body); return await reply.code(201).send({}) })
  const challenge = await getChallenge(a)
  const header = answer(challenge, { nc: 1 })
  t.equal((await send(a, header)).statusCode, 200, 'instance A accepts')
  t.equal((await send(b, header)).statusCode, 401, 'instance B refuses the same header')
  t.equal((await send(a, header)).statusCode, 401, 'and A too')
  t.equal((await send(b, answer(challenge, { nc: 2 }))).statusCode, 200, 'nc=2 at B: a client alternating instances keeps working')
  t.equal((await send(a, answer(challenge, { nc: 2, cnonce: 'again' }))).statusCode, 401, 'nc=2 at A after B saw it')
  t.equal((await send(a, answer(challenge, { nc: 3 }))).statusCode, 200)

  // a race: the same fresh header at both instances at once: exactly one 200
  const races: string[] = []
  for (let i = 0; i < 20; i++) {
    const h = answer(await getChallenge(a))
    races.push((await Promise.all([send(a, h), send(b, h), send(a, h), send(b, h)])).map((r) => r.statusCode).sort().join(','))
  }
  t.same(new Set(races), new Set(['200,401,401,401']), '20 races of one header sent 4 times to 2 instances at once: exactly one 200 each')

  // the key expires with the nonce (TTL = the nonce's remaining lifetime)
  const nonce = nonceOf(challenge)
  const ttl = await client.pttl(`${keyPrefix}${nonce}`)
  t.ok(ttl > 5000 && ttl <= 10_000, `a TTL of the nonce's remaining lifetime plus the 5 s clock skew: ${ttl} ms`)

  // replay of the captured POST with another body through the other instance
  const c = challengesOf((await a.inject({ method: 'POST', url: '/keys' })).headers['www-authenticate'])[0] as string
  const post = digestAuthorization({ challenge: c, username: OWNER.publicKey, password: OWNER.privateKey, method: 'POST', uri: '/keys' })
  t.equal((await a.inject({ method: 'POST', url: '/keys', headers: { authorization: post }, payload: { roles: ['ORG_READ_ONLY'] } })).statusCode, 201)
  t.equal((await b.inject({ method: 'POST', url: '/keys', headers: { authorization: post }, payload: { roles: ['ORG_OWNER'] } })).statusCode, 401)
  t.same(created, [{ roles: ['ORG_READ_ONLY'] }])
})

t.test('RedisNonceCountStore: one round trip (EVALSHA), EVAL after NOSCRIPT, the key prefix', { skip: redisSkip }, async (t) => {
  const client = redis as Redis
  const keyPrefix = `platform-api-test:${randomUUID()}:`
  t.teardown(async () => {
    const keys = await client.keys(`${keyPrefix}*`)
    if (keys.length > 0) await client.del(...keys)
  })
  const calls: string[] = []
  const spy = {
    evalsha: async (...args: Parameters<Redis['evalsha']>) => { calls.push('evalsha'); return await client.evalsha(...args) },
    eval: async (...args: Parameters<Redis['eval']>) => { calls.push('eval'); return await client.eval(...args) }
  }
  const store = new RedisNonceCountStore({ client: spy as never, keyPrefix })
  await client.script('FLUSH')
  const info = { issuedAtMs: Date.now(), expiresAtMs: Date.now() + 60_000 }
  const nonce = createNonce(Buffer.alloc(32, 1))
  t.equal(await store.advance(nonce, 1, info), 'accepted')
  t.same(calls, ['evalsha', 'eval'], 'NOSCRIPT once, then EVAL loads the script')
  calls.length = 0
  t.equal(await store.advance(nonce, 1, info), 'replayed')
  t.equal(await store.advance(nonce, 2, info), 'accepted')
  t.same(calls, ['evalsha', 'evalsha'], 'then one EVALSHA per check')
  t.equal(await client.get(`${keyPrefix}${nonce}`), '2', 'the highest nc, under the prefix')
  t.throws(() => new RedisNonceCountStore({ client: {} as never }), TypeError)
})

t.teardown(() => { if (typeof redis !== 'string') redis.disconnect() })

t.test('the default store is per registration and closed with the app', async (t) => {
  const app = Fastify()
  await app.register(platformAuth, { keyStore: new MemoryKeyStore([MEMBER.creds]), algorithms: ['SHA-256'] })
  app.get('/x', async () => 'ok')
  const challenge = await getChallenge(app)
  t.equal((await send(app, answer(challenge))).statusCode, 200)
  await app.close()
  t.pass('closed')
})
