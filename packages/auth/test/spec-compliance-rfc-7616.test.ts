// RFC 7616 (HTTP Digest Access Authentication): what a client sees.
import t from 'tap'
import Fastify from 'fastify'
import platformAuth, { computeHA1, digestAuthorization, MemoryKeyStore } from '../src/index.js'
import { buildApp, challengesOf, digestInject, getChallenge, makeKey, MEMBER, nonceOf, READER } from './fixtures/helpers.js'

const RFC_CHALLENGE_FIELDS = 'realm="http-auth@example.org", qop="auth, auth-int", ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
const RFC_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ'

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))

/** Replaces the nonce in a challenge so the header comparison ignores it. */
function normalizeHeaders (headers: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...headers }
  delete copy.date
  copy['www-authenticate'] = challengesOf(headers['www-authenticate'] as string | string[])
    .map((c) => c.replace(/nonce="[^"]*"/, 'nonce="N"'))
  return copy
}

t.test('RFC 7616 §3.9.1: the example responses are reproduced (SHA-256 and MD5)', async (t) => {
  const common = { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: RFC_CNONCE }
  const sha256 = digestAuthorization({ ...common, challenge: `Digest ${RFC_CHALLENGE_FIELDS}, algorithm=SHA-256` })
  t.match(sha256, /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/)
  t.match(sha256, /^Digest username="Mufasa", realm="http-auth@example.org", uri="\/dir\/index.html", algorithm=SHA-256, /)
  t.match(sha256, /nonce="7ypf\/xlj9XXwfDPEoM4URrv\/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2\/wE4q74E6zIJEtWaHKaf5wv\/H5QzzpXusqGemxURZJ", qop=auth, /)
  t.match(sha256, /opaque="FQhe\/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"$/)

  const md5 = digestAuthorization({ ...common, challenge: `Digest ${RFC_CHALLENGE_FIELDS}, algorithm=MD5` })
  t.match(md5, /algorithm=MD5, /)
  t.match(md5, /response="8ca523f5e9506fed4657c9700eebdbec"/)

  // Both challenges in one value (as fetch joins header lines): the first one, SHA-256, is answered.
  const both = digestAuthorization({
    ...common, challenge: `Digest ${RFC_CHALLENGE_FIELDS}, algorithm=SHA-256, Digest ${RFC_CHALLENGE_FIELDS}, algorithm=MD5`
  })
  t.equal(both, sha256)

  // algorithm absent means MD5 (RFC 7616 §3.3)
  const noAlgorithm = digestAuthorization({ ...common, challenge: `Digest ${RFC_CHALLENGE_FIELDS}` })
  t.match(noAlgorithm, /response="8ca523f5e9506fed4657c9700eebdbec"/)

  t.equal(computeHA1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life').length, 64)
  t.equal(computeHA1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life').length, 32)
})

t.test('RFC 7616 §3.4: digestAuthorization refuses challenges it cannot answer', async (t) => {
  const common = { username: 'u', password: 'p', method: 'GET', uri: '/' }
  t.throws(() => digestAuthorization({ ...common, challenge: 'Basic realm="x"' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256-sess, qop="auth"' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256, qop="auth-int"' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="unterminated' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, nc: 0, challenge: 'Digest realm="x", nonce="n", qop="auth"' }), RangeError)
  // a Basic challenge first, then a Digest one: the Digest one is answered
  t.match(digestAuthorization({ ...common, challenge: 'Basic realm="b", Digest realm="x", nonce="n", qop="auth", algorithm=SHA-256' }), /realm="x"/)
})

t.test('RFC 7616 §3.3: the challenge format', async (t) => {
  const app = await buildApp(t)
  const res = await app.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 401)
  const challenge = res.headers['www-authenticate']
  t.type(challenge, 'string', 'a single challenge by default (SHA-256 only)')
  t.match(challenge, /^Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="[A-Za-z0-9_-]{75}", opaque="[A-Za-z0-9_-]{43}"$/)
  t.same(res.json(), {
    statusCode: 401,
    code: 'UNAUTHORIZED',
    error: 'Unauthorized',
    message: 'Authentication required: send valid HTTP Digest credentials (RFC 7616)'
  })

  const again = await getChallenge(app)
  t.not(nonceOf(again), nonceOf(challenge as string), 'a fresh nonce per challenge')
  t.equal(/opaque="([^"]*)"/.exec(again)?.[1], /opaque="([^"]*)"/.exec(challenge as string)?.[1], 'a fixed opaque')

  const custom = await buildApp(t, { realm: 'ops "east" \\ 1' })
  t.match(await getChallenge(custom), /^Digest realm="ops \\"east\\" \\\\ 1", /, 'realm is a quoted-string with escapes')
})

t.test('RFC 7616 §3.4: a full round trip through inject', async (t) => {
  const app = await buildApp(t)
  const challenge = await getChallenge(app)
  const authorization = digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 200)
  t.same(res.json().principal, {
    id: 'id-memberkey', publicKey: 'memberkey', roles: ['ORG_MEMBER'],
    accessList: [{ cidrBlock: '127.0.0.1/32', comment: 'local' }]
  }, 'request.principal carries id, publicKey, roles and the access list untouched')
  t.equal(res.headers['www-authenticate'], undefined)

  const noAccessList = await digestInject(app, { url: '/x', key: READER })
  t.same(noAccessList.json().principal, { id: 'id-readerkey', publicKey: 'readerkey', roles: ['ORG_READ_ONLY'] })

  const withQuery = await digestInject(app, { url: '/x?a=1&b=%20c', key: MEMBER })
  t.equal(withQuery.statusCode, 200, 'the uri includes the query string')

  const post = await digestInject(app, { method: 'POST', url: '/x', key: MEMBER, payload: { a: 1 } })
  t.equal(post.statusCode, 200)
  t.same(post.json().body, { a: 1 })

  // the nonce stays usable for its lifetime, with a higher nc
  const second = digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x', nc: 2 })
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: second } })).statusCode, 200)
})

t.test('RFC 7616 §3.4: the Authorization header parser accepts the grammar\'s variations', async (t) => {
  const app = await buildApp(t)
  const challenge = await getChallenge(app)
  const authorization = digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  // Python requests quotes algorithm and qop; names are case-insensitive; BWS around "="; scheme case-insensitive
  const variant = authorization
    .replace('Digest ', 'DIGEST  ')
    .replace('algorithm=SHA-256', 'algorithm="SHA-256"')
    .replace('qop=auth', 'qop="auth"')
    .replace('username=', 'UserName =\t')
    .replace('nc=', 'nc= ')
    .concat(' , ,')
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization: variant } })
  t.equal(res.statusCode, 200)

  // quoted-string with backslash escapes: a public key holding " and \
  const odd = makeKey('we"ird\\key', 'secret-secret', ['ORG_MEMBER'])
  const keyStore = new MemoryKeyStore([odd.creds])
  const other = Fastify()
  t.teardown(() => other.close())
  await other.register(platformAuth, { keyStore })
  other.get('/x', async (request) => request.principal)
  const oddChallenge = await getChallenge(other)
  const oddAuthorization = digestAuthorization({ challenge: oddChallenge, username: odd.publicKey, password: odd.privateKey, method: 'GET', uri: '/x' })
  t.match(oddAuthorization, /username="we\\"ird\\\\key"/)
  const oddRes = await other.inject({ method: 'GET', url: '/x', headers: { authorization: oddAuthorization } })
  t.equal(oddRes.statusCode, 200)
  t.equal(oddRes.json().publicKey, 'we"ird\\key')

  // a duplicated parameter makes the header malformed (RFC 7235 §2.1)
  const duplicated = authorization + ', realm="platform-api"'
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: duplicated } })).statusCode, 401)
})

t.test('RFC 7616 §3.3: an expired but genuine nonce gives 401 with stale=true', async (t) => {
  const app = await buildApp(t, { nonceLifetimeSeconds: 0.2 })
  const challenge = await getChallenge(app)
  await sleep(300)
  const authorization = digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'UNAUTHORIZED')
  const stale = res.headers['www-authenticate'] as string
  t.match(stale, /^Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="[^"]+", opaque="[^"]+", stale=true$/)

  // the client retries with the new nonce, without asking the user again
  const retry = digestAuthorization({ challenge: stale, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: retry } })).statusCode, 200)

  // with a wrong password the expired nonce does not earn stale=true (RFC 7616 §3.3 SHOULD)
  const wrong = digestAuthorization({ challenge, username: MEMBER.publicKey, password: 'wrong', method: 'GET', uri: '/x' })
  const wrongRes = await app.inject({ method: 'GET', url: '/x', headers: { authorization: wrong } })
  t.equal(wrongRes.statusCode, 401)
  t.notMatch(wrongRes.headers['www-authenticate'], /stale/)
})

t.test('RFC 7616 §3.3: a tampered or foreign nonce gives 401 without stale', async (t) => {
  const app = await buildApp(t)
  const challenge = await getChallenge(app)
  const nonce = nonceOf(challenge)
  const position = 20
  const tamperedNonce = nonce.slice(0, position) + (nonce[position] === 'A' ? 'B' : 'A') + nonce.slice(position + 1)
  const tampered = challenge.replace(nonce, tamperedNonce)
  const authorization = digestAuthorization({ challenge: tampered, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'UNAUTHORIZED')
  t.notMatch(res.headers['www-authenticate'], /stale/)

  // a nonce made with another secret is refused; with a shared secret it is accepted
  const secretA = 'a'.repeat(32)
  const secretB = 'b'.repeat(32)
  const first = await buildApp(t, { nonceSecret: secretA })
  const foreign = await buildApp(t, { nonceSecret: secretB })
  const sibling = await buildApp(t, { nonceSecret: Buffer.from(secretA) })
  const fromFirst = await getChallenge(first)
  const answer = digestAuthorization({ challenge: fromFirst, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  t.equal((await foreign.inject({ method: 'GET', url: '/x', headers: { authorization: answer } })).statusCode, 401)
  t.equal((await sibling.inject({ method: 'GET', url: '/x', headers: { authorization: answer } })).statusCode, 200,
    'instances sharing nonceSecret accept each other\'s nonces')
})

t.test('RFC 7616 §3.4: uri, realm, qop, nc, opaque and response must match', async (t) => {
  const app = await buildApp(t)
  const challenge = await getChallenge(app)
  const answer = (uri: string) => digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri })
  const send = async (url: string, authorization: string) => await app.inject({ method: 'GET', url, headers: { authorization } })

  const uriMismatch = await send('/x', answer('/y'))
  t.equal(uriMismatch.statusCode, 401, 'uri of another path')
  t.equal(uriMismatch.json().code, 'UNAUTHORIZED')
  t.equal((await send('/x?a=1', answer('/x'))).statusCode, 401, 'uri without the query string')
  t.equal((await send('/x', answer('http://localhost/x'))).statusCode, 401, 'absolute uri for an origin-form request')

  const good = answer('/x')
  t.equal((await send('/x', good)).statusCode, 200)
  t.equal((await send('/x', good.replace('qop=auth', 'qop=auth-int'))).statusCode, 401, 'qop=auth-int')
  t.equal((await send('/x', good.replace(', qop=auth', ''))).statusCode, 401, 'qop missing (RFC 2069)')
  t.equal((await send('/x', good.replace('realm="platform-api"', 'realm="other"'))).statusCode, 401, 'realm mismatch')
  t.equal((await send('/x', good.replace('nc=00000001', 'nc=1'))).statusCode, 401, 'nc not 8 hex digits')
  t.equal((await send('/x', good.replace(/, cnonce="[^"]*"/, ''))).statusCode, 401, 'cnonce missing')
  t.equal((await send('/x', good.replace(/opaque="[^"]*"/, 'opaque="nope"'))).statusCode, 401, 'opaque mismatch')
  t.equal((await send('/x', good.replace(/response="[0-9a-f]/, 'response="Z'))).statusCode, 401, 'response not hex')
  t.equal((await send('/x', good + ', userhash=true')).statusCode, 401, 'userhash=true is not supported')
  t.equal((await send('/x', good.replace('algorithm=SHA-256', 'algorithm=SHA-256-sess'))).statusCode, 401, '-sess is not supported')
  const upper = good.replace(/response="([0-9a-f]+)"/, (_m, hex: string) => `response="${hex.toUpperCase()}"`)
  t.equal((await send('/x', upper)).statusCode, 200, 'response hex is case-insensitive')
})

t.test('RFC 7616 §5 (security): unknown key, wrong key, garbage and missing header give identical 401s', async (t) => {
  const app = await buildApp(t)
  const answer = async (username: string, password: string) =>
    digestAuthorization({ challenge: await getChallenge(app), username, password, method: 'GET', uri: '/x' })
  const cases: Record<string, Record<string, string>> = {
    missing: {},
    unknownKey: { authorization: await answer('nosuchkey', MEMBER.privateKey) },
    wrongPassword: { authorization: await answer(MEMBER.publicKey, 'not-the-private-key') },
    garbage: { authorization: 'Digest ,,, "unterminated \\' },
    basic: { authorization: 'Basic bWVtYmVya2V5OnNlY3JldA==' },
    empty: { authorization: '' },
    oversized: { authorization: `Digest username="${'a'.repeat(5000)}"` },
    bareScheme: { authorization: 'Digest' },
    manyEscapes: { authorization: 'Digest username="' + '\\"'.repeat(1300) },
    manyCommas: { authorization: 'Digest ' + ','.repeat(4000) },
    manyParams: { authorization: 'Digest ' + 'x=y, '.repeat(800) },
    twoSchemes: { authorization: 'Digest realm="platform-api", Digest realm="platform-api"' }
  }
  const started = process.hrtime.bigint()
  const results = []
  for (const [name, headers] of Object.entries(cases)) {
    const res = await app.inject({ method: 'GET', url: '/x', headers })
    t.equal(res.statusCode, 401, `${name}: 401`)
    results.push({ name, body: res.body, headers: normalizeHeaders(res.headers) })
  }
  t.ok(process.hrtime.bigint() - started < 2_000_000_000n, 'pathological headers are parsed in linear time')
  const [reference] = results
  for (const result of results.slice(1)) {
    t.equal(result.body, reference?.body, `${result.name}: byte-identical body`)
    t.same(result.headers, reference?.headers, `${result.name}: identical headers apart from the nonce`)
  }
})

t.test('authentication runs in onRequest, before the body is read', async (t) => {
  const app = await buildApp(t)
  const res = await app.inject({ method: 'POST', url: '/x', headers: { 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'UNAUTHORIZED')
})

t.test('the 401 error carries its challenge on error.headers (for the envelope plugin)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore() })
  let seen: { code?: string, statusCode?: number, headers?: Record<string, unknown> } | undefined
  app.setErrorHandler(async (error: { code?: string, statusCode?: number, headers?: Record<string, unknown> }, _request, reply) => {
    seen = error
    return await reply.code(error.statusCode ?? 500).send({ custom: true })
  })
  app.get('/x', async () => 'ok')
  const res = await app.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 401)
  t.equal(seen?.code, 'UNAUTHORIZED')
  t.equal(seen?.statusCode, 401)
  t.equal(seen?.headers?.['www-authenticate'], res.headers['www-authenticate'])
})

t.test('a failing key store is a 500, not a 401', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: { getByPublicKey: async () => { throw new Error('store down') } } })
  app.get('/x', async () => 'ok')
  const challenge = await getChallenge(app)
  const authorization = digestAuthorization({ challenge, username: 'k', password: 'p', method: 'GET', uri: '/x' })
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 500)
})

t.test('RFC 7616 §3.3: MD5 is refused unless enabled; enabled, two challenges with SHA-256 first', async (t) => {
  const sha256Only = await buildApp(t)
  const challenge = await getChallenge(sha256Only)
  const md5Challenge = challenge.replace('algorithm=SHA-256', 'algorithm=MD5')
  const md5 = digestAuthorization({ challenge: md5Challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  t.equal((await sha256Only.inject({ method: 'GET', url: '/x', headers: { authorization: md5 } })).statusCode, 401, 'MD5 refused by default')
  const implicitMd5 = md5.replace('algorithm=MD5, ', '')
  t.equal((await sha256Only.inject({ method: 'GET', url: '/x', headers: { authorization: implicitMd5 } })).statusCode, 401,
    'absent algorithm means MD5, refused by default')

  const both = await buildApp(t, { algorithms: ['MD5', 'SHA-256'] })
  const res = await both.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 401)
  const challenges = challengesOf(res.headers['www-authenticate'])
  t.equal(challenges.length, 2, 'one WWW-Authenticate line per algorithm')
  t.match(challenges[0], /^Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="/)
  t.match(challenges[1], /^Digest realm="platform-api", qop="auth", algorithm=MD5, nonce="/)
  t.equal(nonceOf(challenges[0] as string), nonceOf(challenges[1] as string), 'both challenges carry the same nonce')

  for (const [index, algorithm] of ['SHA-256', 'MD5'].entries()) {
    const authorization = digestAuthorization({ challenge: challenges[index] as string, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
    t.match(authorization, `algorithm=${algorithm}`)
    t.equal((await both.inject({ method: 'GET', url: '/x', headers: { authorization } })).statusCode, 200, `${algorithm} accepted when enabled`)
  }
  const implicit = digestAuthorization({ challenge: challenges[1] as string, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
    .replace('algorithm=MD5, ', '')
  t.equal((await both.inject({ method: 'GET', url: '/x', headers: { authorization: implicit } })).statusCode, 200, 'absent algorithm = MD5 when enabled')

  // a key with only a SHA-256 HA1 cannot use MD5
  const shaOnly = makeKey('shaonly', 'secret', ['ORG_MEMBER'])
  delete shaOnly.creds.ha1.MD5
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore([shaOnly.creds]), algorithms: ['SHA-256', 'MD5'] })
  app.get('/x', async () => 'ok')
  const [sha, md] = challengesOf((await app.inject({ method: 'GET', url: '/x' })).headers['www-authenticate'])
  const viaMd5 = digestAuthorization({ challenge: md as string, username: 'shaonly', password: 'secret', method: 'GET', uri: '/x' })
  const viaSha = digestAuthorization({ challenge: sha as string, username: 'shaonly', password: 'secret', method: 'GET', uri: '/x' })
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: viaMd5 } })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: viaSha } })).statusCode, 200)
})
