// RFC 7616 (HTTP Digest Access Authentication): what a client sees.
import t from 'tap'
import { createHash } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import platformAuth, {
  computeHA1, DIGEST_ALGORITHMS, digestAuthorization, MemoryKeyStore, methodOverride, type DigestAuthorizationOptions
} from '../src/index.js'
import { sha512t256 } from './fixtures/sha512-256.js'
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
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-1, qop="auth"' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, algorithm: 'SHA-512-256', challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256, qop="auth"' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256, qop="auth-int"' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, challenge: 'Digest realm="unterminated' }), { code: 'INVALID_DIGEST_CHALLENGE' })
  t.throws(() => digestAuthorization({ ...common, nc: 0, challenge: 'Digest realm="x", nonce="n", qop="auth"' }), RangeError)
  // a Basic challenge first, then a Digest one: the Digest one is answered
  t.match(digestAuthorization({ ...common, challenge: 'Basic realm="b", Digest realm="x", nonce="n", qop="auth", algorithm=SHA-256' }), /realm="x"/)
})

t.test('RFC 7616 §3.3: the challenge format', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'] })
  const res = await app.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 401)
  const challenge = res.headers['www-authenticate']
  t.type(challenge, 'string', 'one challenge per algorithm offered: one here')
  t.match(challenge, /^Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="[A-Za-z0-9_-]{75}", opaque="[A-Za-z0-9_-]{43}", charset=UTF-8$/)
  const noCharset = await buildApp(t, { algorithms: ['SHA-256'], charset: false })
  t.notMatch(await getChallenge(noCharset), /charset/, 'charset: false leaves charset out')
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
  const app = await buildApp(t, { nonceLifetimeSeconds: 0.2, algorithms: ['SHA-256'] })
  const challenge = await getChallenge(app)
  await sleep(300)
  const authorization = digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'UNAUTHORIZED')
  const stale = res.headers['www-authenticate'] as string
  t.match(stale, /^Digest realm="platform-api", qop="auth", algorithm=SHA-256, nonce="[^"]+", opaque="[^"]+", charset=UTF-8, stale=true$/)

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
  const app = await buildApp(t, { algorithms: ['SHA-256', 'SHA-256-sess'] })
  const challenge = await getChallenge(app)
  // A fresh nc for every header, so a 401 below is the variation's, not the replay check's.
  let nc = 0
  const answer = (uri: string) => digestAuthorization({ challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri, nc: ++nc })
  const send = async (url: string, authorization: string) => await app.inject({ method: 'GET', url, headers: { authorization } })

  const uriMismatch = await send('/x', answer('/y'))
  t.equal(uriMismatch.statusCode, 401, 'uri of another path')
  t.equal(uriMismatch.json().code, 'UNAUTHORIZED')
  t.equal((await send('/x?a=1', answer('/x'))).statusCode, 401, 'uri without the query string')
  t.equal((await send('/x', answer('http://localhost/x'))).statusCode, 401, 'absolute uri for an origin-form request')

  t.equal((await send('/x', answer('/x'))).statusCode, 200)
  // Each variation fails, and the same header unchanged passes (a refused header records no nc).
  const variations: Array<[string, (good: string) => string]> = [
    ['qop=auth-int', (g) => g.replace('qop=auth', 'qop=auth-int')],
    ['qop missing (RFC 2069)', (g) => g.replace(', qop=auth', '')],
    ['realm mismatch', (g) => g.replace('realm="platform-api"', 'realm="other"')],
    ['nc not 8 hex digits', (g) => g.replace(/nc=0*([0-9a-f]+)/, 'nc=$1')],
    ['nc changed after hashing', (g) => g.replace(/nc=[0-9a-f]{8}/, 'nc=7fffffff')],
    ['cnonce missing', (g) => g.replace(/, cnonce="[^"]*"/, '')],
    ['opaque mismatch', (g) => g.replace(/opaque="[^"]*"/, 'opaque="nope"')],
    ['response not hex', (g) => g.replace(/response="[0-9a-f]/, 'response="Z')],
    ['userhash=true when not enabled', (g) => g + ', userhash=true'],
    ['userhash with a value other than true/false', (g) => g + ', userhash=maybe'],
    ['username and username* both', (g) => g + ", username*=UTF-8''memberkey"],
    ['algorithm changed after hashing', (g) => g.replace('algorithm=SHA-256', 'algorithm=SHA-256-sess')]
  ]
  for (const [name, vary] of variations) {
    const unchanged = answer('/x')
    t.equal((await send('/x', vary(answer('/x')))).statusCode, 401, name)
    t.equal((await send('/x', unchanged)).statusCode, 200, `${name}: the same header unchanged passes`)
  }
  const upper = answer('/x').replace(/response="([0-9a-f]+)"/, (_m, hex: string) => `response="${hex.toUpperCase()}"`)
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
  t.same(seen?.headers?.['www-authenticate'], res.headers['www-authenticate'])
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

/** Sends GET /x answering `challenge` (optionally a given algorithm's) with `key`. */
async function answerWith (app: FastifyInstance, challenge: string, key: { publicKey: string, privateKey: string }, extra: Partial<DigestAuthorizationOptions> = {}) {
  const authorization = digestAuthorization({ challenge, username: key.publicKey, password: key.privateKey, method: 'GET', uri: '/x', ...extra })
  return await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
}

/** The challenges of a 401, joined the way fetch joins header lines. */
async function allChallenges (app: FastifyInstance): Promise<string[]> {
  return challengesOf((await app.inject({ method: 'GET', url: '/x' })).headers['www-authenticate'])
}

t.test('RFC 7616 §3.3, §5.8 (downgrade): an answer with an algorithm not offered is 401; challenges go in the configured order', async (t) => {
  const strict = await buildApp(t, { algorithms: ['SHA-256'] })
  const [challenge] = await allChallenges(strict)
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const) {
    const forged = (challenge as string).replace('algorithm=SHA-256', `algorithm=${algorithm}`)
    t.equal((await answerWith(strict, forged, MEMBER)).statusCode, 401, `strict SHA-256: ${algorithm} refused`)
  }
  const implicitMd5 = digestAuthorization({ challenge: (challenge as string).replace('algorithm=SHA-256', 'algorithm=MD5'), username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
    .replace('algorithm=MD5, ', '')
  t.equal((await strict.inject({ method: 'GET', url: '/x', headers: { authorization: implicitMd5 } })).statusCode, 401, 'absent algorithm means MD5: refused')
  t.equal((await answerWith(strict, challenge as string, MEMBER)).statusCode, 200, 'SHA-256 accepted')

  const byDefault = await buildApp(t)
  const offered = await allChallenges(byDefault)
  t.same(offered.map((c) => /algorithm=([^,]+)/.exec(c)?.[1]), ['MD5', 'SHA-256'], 'default: MD5 then SHA-256 (see the README for the figures)')
  t.equal(nonceOf(offered[0] as string), nonceOf(offered[1] as string), 'every challenge carries the same nonce')
  for (const [index, algorithm] of ['MD5', 'SHA-256'].entries()) {
    const res = await answerWith(byDefault, offered[index] as string, MEMBER, { nc: index + 1 })
    t.equal(res.statusCode, 200, `default: ${algorithm} accepted`)
  }
  const forged = (offered[1] as string).replace('algorithm=SHA-256', 'algorithm=SHA-512-256')
  t.equal((await answerWith(byDefault, forged, MEMBER)).statusCode, 401, 'default: SHA-512-256 is not offered, so refused')

  const ordered = await buildApp(t, { algorithms: ['SHA-512-256', 'SHA-256-sess', 'MD5'] })
  t.same((await allChallenges(ordered)).map((c) => /algorithm=([^,]+)/.exec(c)?.[1]), ['SHA-512-256', 'SHA-256-sess', 'MD5'])

  // a key without the HA1 of a hash function cannot use its algorithms
  const shaOnly = makeKey('shaonly', 'secret', ['ORG_MEMBER'])
  delete shaOnly.creds.ha1.MD5
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore([shaOnly.creds]) })
  app.get('/x', async () => 'ok')
  const [md, sha] = await allChallenges(app)
  t.equal((await answerWith(app, md as string, { publicKey: 'shaonly', privateKey: 'secret' })).statusCode, 401, 'no MD5 HA1: MD5 refused')
  t.equal((await answerWith(app, sha as string, { publicKey: 'shaonly', privateKey: 'secret' })).statusCode, 200, 'SHA-256 HA1: accepted')
})

t.test('RFC 7616 §3.4.2: each of the six algorithms authenticates, -sess from the same stored HA1', async (t) => {
  for (const algorithm of DIGEST_ALGORITHMS) {
    const app = await buildApp(t, { algorithms: [algorithm] })
    const [challenge] = await allChallenges(app)
    t.match(challenge, `algorithm=${algorithm},`)
    const res = await answerWith(app, challenge as string, MEMBER)
    t.equal(res.statusCode, 200, `${algorithm}: 200`)
    t.equal(res.json().principal.publicKey, MEMBER.publicKey)
    const wrong = await answerWith(app, challenge as string, { publicKey: MEMBER.publicKey, privateKey: 'wrong' }, { nc: 2 })
    t.equal(wrong.statusCode, 401, `${algorithm}: a wrong private key is 401`)
  }
  // -sess: HA1 = H(H(user:realm:password):nonce:cnonce), computed here from the RFC's formula
  const app = await buildApp(t, { algorithms: ['MD5-sess'] })
  const [challenge] = await allChallenges(app)
  const nonce = nonceOf(challenge as string)
  const md5 = (s: string) => createHash('md5').update(s).digest('hex')
  const cnonce = 'c0ffee'
  const ha1 = md5(`${md5(`${MEMBER.publicKey}:platform-api:${MEMBER.privateKey}`)}:${nonce}:${cnonce}`)
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5('GET:/x')}`)
  const authorization = `Digest username="${MEMBER.publicKey}", realm="platform-api", uri="/x", algorithm=MD5-sess, nonce="${nonce}", nc=00000001, cnonce="${cnonce}", qop=auth, response="${response}"`
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization } })).statusCode, 200, 'MD5-sess by the RFC formula')
})

t.test('FIPS 180-4 SHA-512/256: the SHA-512-256 algorithm matches an independent implementation', async (t) => {
  t.equal(sha512t256('abc'), '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23', 'the independent implementation gives NIST\'s "abc" example')
  t.equal(sha512t256(''), 'c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a', 'and the empty message')
  const samples = ['abc', '', 'Mufasa:http-auth@example.org:Circle of Life', 'Jäsøn Doe:api@example.org:Secret, or not?', 'x'.repeat(111), 'y'.repeat(112), 'z'.repeat(300)]
  for (const sample of samples) {
    t.equal(createHash('sha512-256').update(sample, 'utf8').digest('hex'), sha512t256(sample), `OpenSSL sha512-256 = FIPS 180-4 for ${JSON.stringify(sample.slice(0, 20))}… (${sample.length} chars)`)
  }
  t.equal(computeHA1('SHA-512-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life'), sha512t256('Mufasa:http-auth@example.org:Circle of Life'))
  t.not(sha512t256('abc'), createHash('sha256').update('abc').digest('hex'), 'not SHA-256')
  t.not(sha512t256('abc'), createHash('sha512').update('abc').digest('hex').slice(0, 64), 'not truncated SHA-512 (other IV)')

  // a whole SHA-512-256 exchange computed with the independent hash
  const app = await buildApp(t, { algorithms: ['SHA-512-256'] })
  const [challenge] = await allChallenges(app)
  const nonce = nonceOf(challenge as string)
  const ha1 = sha512t256(`${MEMBER.publicKey}:platform-api:${MEMBER.privateKey}`)
  const response = sha512t256(`${ha1}:${nonce}:00000001:abc:auth:${sha512t256('GET:/x')}`)
  const authorization = `Digest username="${MEMBER.publicKey}", realm="platform-api", uri="/x", algorithm=SHA-512-256, nonce="${nonce}", nc=00000001, cnonce="abc", qop=auth, response="${response}"`
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 200)
  const rspauth = sha512t256(`${ha1}:${nonce}:00000001:abc:auth:${sha512t256(':/x')}`)
  t.equal(res.headers['authentication-info'], `rspauth="${rspauth}", qop=auth, nc=00000001, cnonce="abc"`)
})

t.test('RFC 7616 §3.4.4: userhash=true', async (t) => {
  const app = await buildApp(t, { userhash: true, algorithms: ['SHA-256', 'MD5'] })
  const [challenge, md5Challenge] = await allChallenges(app)
  t.match(challenge, /, charset=UTF-8, userhash=true$/, 'the challenge says userhash=true')
  const authorization = digestAuthorization({ challenge: challenge as string, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x' })
  const hashed = createHash('sha256').update(`${MEMBER.publicKey}:platform-api`).digest('hex')
  t.match(authorization, `username="${hashed}"`, 'username = H(username ":" realm)')
  t.match(authorization, /userhash=true$/)
  t.notMatch(authorization, MEMBER.publicKey, 'the public key does not travel')
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().principal.publicKey, MEMBER.publicKey)
  t.equal((await answerWith(app, md5Challenge as string, MEMBER, { nc: 2 })).statusCode, 200, 'with MD5 too')

  const wrongRealm = createHash('sha256').update(`${MEMBER.publicKey}:other`).digest('hex')
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: digestAuthorization({ challenge: challenge as string, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x', nc: 3 }).replace(hashed, wrongRealm) } })).statusCode, 401, 'a userhash of another realm')
  const plain = digestAuthorization({ challenge: (challenge as string).replace(', userhash=true', ''), username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri: '/x', nc: 4 })
  t.equal((await app.inject({ method: 'GET', url: '/x', headers: { authorization: plain } })).statusCode, 200, 'a plain username still works')
})

t.test('RFC 7616 §3.4, RFC 8187: username* carries a non-ASCII username', async (t) => {
  const jason = makeKey('Jäsøn Doe', 'Secret, or not?', ['ORG_MEMBER'])
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore: new MemoryKeyStore([jason.creds]), algorithms: ['SHA-256'] })
  app.get('/x', async (request) => request.principal)
  const [challenge] = await allChallenges(app)
  const authorization = digestAuthorization({ challenge: challenge as string, username: 'Jäsøn Doe', password: 'Secret, or not?', method: 'GET', uri: '/x' })
  t.match(authorization, /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe, /, 'the RFC 8187 form of the RFC 7616 §3.9.2 username')
  const res = await app.inject({ method: 'GET', url: '/x', headers: { authorization } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().publicKey, 'Jäsøn Doe')
  let nc = 1
  const send = async (header: string) => (await app.inject({ method: 'GET', url: '/x', headers: { authorization: header } })).statusCode
  const fresh = () => digestAuthorization({ challenge: challenge as string, username: 'Jäsøn Doe', password: 'Secret, or not?', method: 'GET', uri: '/x', nc: ++nc })
  t.equal(await send(fresh().replace("UTF-8''", "utf-8'en'")), 200, 'charset case-insensitive, a language tag allowed')
  t.equal(await send(fresh().replace("UTF-8''J%C3%A4s%C3%B8n%20Doe", "ISO-8859-1''J%E4s%F8n%20Doe")), 200, 'ISO-8859-1')
  t.equal(await send(fresh().replace('%C3%A4', '%C3')), 401, 'invalid UTF-8')
  t.equal(await send(fresh().replace('%20', '%2')), 401, 'bad percent-encoding')
  t.equal(await send(fresh().replace("UTF-8''", "KOI8-R''")), 401, 'unknown charset')
  t.equal(await send(fresh().replace("UTF-8''", 'UTF-8')), 401, 'no quotes')
  t.equal(await send(fresh() + ', userhash=true'), 401, 'username* with userhash')
  t.equal(await send(fresh()), 200, 'the unchanged header still passes')
})

t.test('RFC 7616 §3.5: Authentication-Info with rspauth, qop, nc, cnonce; nextnonce near the nonce end', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'], nonceLifetimeSeconds: 1 })
  const [challenge] = await allChallenges(app)
  const nonce = nonceOf(challenge as string)
  const res = await answerWith(app, challenge as string, MEMBER, { cnonce: 'xyz', nc: 1 })
  t.equal(res.statusCode, 200)
  const sha = (s: string) => createHash('sha256').update(s).digest('hex')
  const ha1 = sha(`${MEMBER.publicKey}:platform-api:${MEMBER.privateKey}`)
  const rspauth = sha(`${ha1}:${nonce}:00000001:xyz:auth:${sha(':/x')}`)
  t.equal(res.headers['authentication-info'], `rspauth="${rspauth}", qop=auth, nc=00000001, cnonce="xyz"`, 'no nextnonce while the nonce is young')

  await sleep(850) // the last fifth of a 1 s lifetime
  const late = await answerWith(app, challenge as string, MEMBER, { cnonce: 'xyz', nc: 2 })
  t.equal(late.statusCode, 200)
  const info = String(late.headers['authentication-info'])
  t.match(info, /^rspauth="[0-9a-f]{64}", qop=auth, nc=00000002, cnonce="xyz", nextnonce="[A-Za-z0-9_-]{75}"$/)
  const nextnonce = /nextnonce="([^"]+)"/.exec(info)?.[1] as string
  t.not(nextnonce, nonce)
  const next = await answerWith(app, (challenge as string).replace(nonce, nextnonce), MEMBER, { nc: 1 })
  t.equal(next.statusCode, 200, 'the nextnonce is a nonce of ours, usable from nc=1')
  t.equal((await app.inject({ method: 'GET', url: '/x' })).headers['authentication-info'], undefined, 'no Authentication-Info on a 401')
})

t.test('RFC 7616 §3.4.3 with X-HTTP-Method-Override: the digest covers the request line\'s POST; routing follows the override', async (t) => {
  const keyStore = new MemoryKeyStore([MEMBER.creds, READER.creds])
  const app = Fastify({ rewriteUrl: methodOverride() })
  t.teardown(() => app.close())
  await app.register(platformAuth, { keyStore, algorithms: ['SHA-256'] })
  app.post('/items', { config: { permission: 'catalog:write' } }, async () => ({ route: 'POST' }))
  app.patch('/items', { config: { permission: 'catalog:write' } }, async (request) => ({ route: 'PATCH', body: request.body }))
  app.delete('/items', { config: { permission: 'catalog:write' } }, async () => ({ route: 'DELETE' }))
  app.get('/items', { config: { permission: 'catalog:read' } }, async () => ({ route: 'GET' }))
  const [challenge] = challengesOf((await app.inject({ method: 'GET', url: '/items' })).headers['www-authenticate'])
  let nc = 0
  const send = async (key: typeof MEMBER, hashed: string, override: string | undefined, method = 'POST') => await app.inject({
    method: method as 'POST',
    url: '/items',
    headers: {
      authorization: digestAuthorization({ challenge: challenge as string, username: key.publicKey, password: key.privateKey, method: hashed, uri: '/items', nc: ++nc }),
      'content-type': 'application/json',
      ...(override === undefined ? {} : { 'x-http-method-override': override })
    },
    payload: '{"a":1}'
  })
  const patched = await send(MEMBER, 'POST', 'PATCH')
  t.equal(patched.statusCode, 200)
  t.same(patched.json(), { route: 'PATCH', body: { a: 1 } }, 'routed as PATCH')
  t.same((await send(MEMBER, 'POST', 'delete')).json(), { route: 'DELETE' }, 'the header value is case-insensitive')
  t.equal((await send(MEMBER, 'PATCH', 'PATCH')).statusCode, 401, 'a response computed over PATCH is refused: the client hashed what it sent, POST')
  const reader = await send(READER, 'POST', 'PATCH')
  t.equal(reader.statusCode, 403, 'the permission is the overriding method\'s')
  const refused = await send(MEMBER, 'POST', 'GET')
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().code, 'INVALID_METHOD_OVERRIDE', 'an override to GET is refused, never run as a POST')
  t.same((await send(MEMBER, 'POST', undefined)).json(), { route: 'POST' }, 'without the header: POST')
  t.same((await send(MEMBER, 'PUT', 'PATCH', 'PUT')).statusCode, 404, 'only a POST is overridden (PUT /items has no route)')
  t.throws(() => methodOverride({ methods: ['GET'] }), TypeError)

  const plain = await buildApp(t, { algorithms: ['SHA-256'] })
  plain.patch('/p', async () => ({ route: 'PATCH' }))
  const [c2] = await allChallenges(plain)
  const r = await plain.inject({ method: 'POST', url: '/x', headers: { 'x-http-method-override': 'PATCH', authorization: digestAuthorization({ challenge: c2 as string, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'POST', uri: '/x' }) }, payload: {} })
  t.equal(r.json().principal.publicKey, MEMBER.publicKey, 'without methodOverride() the header is ignored: a plain POST')
})
