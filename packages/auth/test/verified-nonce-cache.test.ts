// Issue 12: verified nonces are remembered in the replay state (MemoryNonceCountStore), so a
// nonce's HMAC is checked once, not on every request. Remembering must not weaken anything:
// a replay is still refused, an expired nonce still answers stale=true, a remembered nonce is
// forgotten when it expires, and the memory stays bounded. The fast Authorization parser is
// property-tested against the general RFC 7235 parser it falls back to.
import t from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { createDigestVerifier, createNonce, digestAuthorization, MemoryKeyStore, MemoryNonceCountStore } from '../src/index.js'
import { parseCredentialsGeneral, parseDigestCredentials } from '../src/lib/digest/parse.js'
import { buildApp, challengesOf, getChallenge, MEMBER, nonceOf, REALM } from './fixtures/helpers.js'

const answer = (challenge: string, nc: number, uri = '/x') => digestAuthorization({
  challenge, username: MEMBER.publicKey, password: MEMBER.privateKey, method: 'GET', uri, nc
})

async function send (app: FastifyInstance, authorization: string, url = '/x') {
  return await app.inject({ method: 'GET', url, headers: { authorization } })
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('a replayed header is refused while its nonce is remembered (second, third use of a cached nonce)', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'] })
  const challenge = await getChallenge(app)
  t.equal((await send(app, answer(challenge, 1))).statusCode, 200, 'first use: HMAC checked, nonce remembered')
  const second = answer(challenge, 2)
  t.equal((await send(app, second)).statusCode, 200, 'second use: served from the remembered nonce')
  const replayed = await send(app, second)
  t.equal(replayed.statusCode, 401, 'the same header again is a replay')
  t.notMatch(String(replayed.headers['www-authenticate']), /stale/, 'a replay is not stale')
  t.equal((await send(app, answer(challenge, 1))).statusCode, 401, 'a lower nc too')
  t.equal((await send(app, answer(challenge, 3))).statusCode, 200, 'a higher nc still passes')
  // a remembered nonce does not excuse a wrong response, uri or key
  const wrong = answer(challenge, 4).replace(/response="([0-9a-f])/, (_, c: string) => `response="${c === '0' ? '1' : '0'}`)
  t.equal((await send(app, wrong)).statusCode, 401, 'a wrong response with a remembered nonce')
  t.equal((await send(app, answer(challenge, 5, '/y'), '/x')).statusCode, 401, 'a uri other than the request-target')
  const stranger = digestAuthorization({ challenge, username: MEMBER.publicKey, password: 'not-the-key', method: 'GET', uri: '/x', nc: 6 })
  t.equal((await send(app, stranger)).statusCode, 401, 'a wrong private key with a remembered nonce')
  t.equal((await send(app, answer(challenge, 7))).statusCode, 200, 'the failures did not consume nc 7')
})

t.test('an expired nonce gets stale=true even after it was remembered (RFC 7616 §3.3)', async (t) => {
  const app = await buildApp(t, { algorithms: ['SHA-256'], nonceLifetimeSeconds: 0.4 })
  const challenge = await getChallenge(app)
  t.equal((await send(app, answer(challenge, 1))).statusCode, 200)
  t.equal((await send(app, answer(challenge, 2))).statusCode, 200, 'remembered')
  await sleep(600)
  const late = await send(app, answer(challenge, 3))
  t.equal(late.statusCode, 401)
  const challenges = challengesOf(late.headers['www-authenticate'])
  t.ok(challenges.every((c) => /stale=true/.test(c)), 'stale=true')
  t.not(nonceOf(challenges[0] as string), nonceOf(challenge), 'with a fresh nonce')
  t.equal((await send(app, answer(challenges[0] as string, 1))).statusCode, 200, 'which works')
})

t.test('MemoryNonceCountStore: a remembered nonce is forgotten when it expires', async (t) => {
  let now = 1_000_000
  const store = new MemoryNonceCountStore({ now: () => now })
  const info = { issuedAtMs: now, expiresAtMs: now + 300_000 }
  t.equal(store.verifiedNonce('n1', now), undefined, 'unknown before its first accepted request')
  t.equal(store.advance('n1', 1, info), 'accepted')
  const record = store.verifiedNonce('n1', now + 299_999)
  t.same(record === undefined ? undefined : { nc: record.nc, issuedAtMs: record.issuedAtMs, expiresAtMs: record.expiresAtMs }, { nc: 1, ...info }, 'remembered while the nonce lives')
  t.equal(store.advance('n1', 2, info, record), 'accepted', 'advance with the record')
  t.equal(store.advance('n1', 2, info, record), 'replayed', 'the record does not bypass the count')
  now += 300_001
  t.equal(store.verifiedNonce('n1', now), undefined, 'forgotten once expired')
  t.equal(store.size, 0, 'and no longer held')
  t.equal(store.advance('n1', 3, info, record), 'accepted', 'a stale record handed back is not trusted: the map decides (here: a new entry)')
})

t.test('memory stays bounded: at most maxEntries nonces, and an evicted nonce is never accepted again', async (t) => {
  const nonceSecret = Buffer.alloc(32, 3)
  const store = new MemoryNonceCountStore({ maxEntries: 8 })
  const keyStore = new MemoryKeyStore([MEMBER.creds])
  const verify = createDigestVerifier({ realm: REALM, algorithms: ['SHA-256'], keyStore, nonceSecret, nonceLifetimeSeconds: 300, opaque: 'o', nonceCountStore: store })
  const challengeOf = (nonce: string) => `Digest realm="${REALM}", qop="auth", algorithm=SHA-256, nonce="${nonce}"`
  const first = challengeOf(createNonce(nonceSecret, Date.now() - 1000))
  t.ok((await verify({ method: 'GET', url: '/x', authorization: answer(first, 1) })).ok, 'the first nonce accepted')
  for (let i = 0; i < 50; i++) {
    const c = challengeOf(createNonce(nonceSecret))
    t.ok((await verify({ method: 'GET', url: '/x', authorization: answer(c, 1) })).ok)
    t.ok(store.size <= 8, `size ${store.size} <= 8`)
  }
  const evicted = await verify({ method: 'GET', url: '/x', authorization: answer(first, 2) })
  t.same(evicted, { ok: false, stale: true }, 'the evicted nonce: forgotten, the client asked for a new one (stale), never accepted')
})

// ---------------------------------------------------------------- parser equivalence
const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789-._~!#$%&\'*+^`|'.split(''))
// the RFC 7616 names (as sent and in other cases), near misses, and any token
const FIELDS = ['username', 'username*', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'cnonce', 'nc', 'qop', 'opaque', 'userhash']
const name = fc.oneof(fc.constantFrom(...FIELDS, 'NONCE', 'Realm', 'userName', 'usernam', 'nonces', 'ncx', 'n', 'uri*', 'charset', 'auth-param'),
  fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 }))
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 })
const quotedChar = fc.constantFrom(...'abc XYZ09/=,;:\t\\"é~'.split(''), '\u0001', '\u007f', '\u0100', '\u00ff')
const quoted = fc.string({ unit: quotedChar, maxLength: 16 }).map((s) => `"${s}"`)
const ows = fc.constantFrom('', '', '', ' ', '  ', '\t')
const param = fc.tuple(name, ows, ows, fc.oneof(token, quoted, fc.constant(''))).map(([n, a, b, v]) => `${n}${a}=${b}${v}`)
const sep = fc.constantFrom(', ', ', ', ',', ' ,', ', , ', ',,', ' ')
const header = fc.tuple(fc.constantFrom('Digest', 'Digest', 'digest', 'DIGEST', 'Basic', 'X', 'Digests'), fc.constantFrom(' ', ' ', '  ', '', '\t', ' ,'),
  fc.array(fc.tuple(param, sep), { maxLength: 8 }), fc.constantFrom('', '', ',', ' ', ', Digest a=b', ' abc==', '\u0000'))
  .map(([scheme, gap, params, tail]) => scheme + gap + params.map(([p, s], i) => (i === 0 ? '' : s) + p).join('') + tail)

/** What the general RFC 7235 parser gives, as the Digest fields the verifier reads: the reference. */
function reference (value: string): Record<string, string | undefined> | undefined {
  const general = parseCredentialsGeneral(value)
  if (general === undefined || general.scheme.toLowerCase() !== 'digest') return undefined
  return Object.fromEntries(FIELDS.map((f) => [f === 'username*' ? 'usernameExt' : f, general.params[f]]))
}

function realistic () {
  const challenge = `Digest realm="${REALM}", qop="auth", algorithm=SHA-256, nonce="${createNonce(Buffer.alloc(32, 1))}", opaque="abc"`
  return fc.tuple(fc.nat({ max: 0xffff }), fc.constantFrom('/x', '/a?b=c&d=e', '/%22q%22')).map(([nc, uri]) => answer(challenge, nc + 1, uri))
}

t.test('the fast Digest credentials parser returns exactly what the general RFC 7235 parser returns (fast-check)', async (t) => {
  let wellFormed = 0
  let withFields = 0
  fc.assert(fc.property(fc.oneof(header, realistic(), fc.string({ maxLength: 40 })), (value) => {
    const fast = parseDigestCredentials(value)
    const expected = reference(value)
    if (expected !== undefined) wellFormed++
    if (expected !== undefined && Object.values(expected).some((v) => v !== undefined)) withFields++
    if (fast === undefined || expected === undefined) return fast === expected
    return Object.keys(expected).every((k) => fast[k as keyof typeof fast] === expected[k])
  }), { numRuns: 5000 })
  t.pass('5000 generated headers parsed alike')
  t.ok(wellFormed > 500, `many inputs were well-formed Digest credentials (${wellFormed}), so the comparison covers the fast path`)
  t.ok(withFields > 300, `and many carried RFC 7616 parameters (${withFields})`)
})

t.test('the Digest credentials parser: fixed cases (duplicates in any case, other schemes, non-ASCII, quoted-pairs)', async (t) => {
  t.equal(parseDigestCredentials('Digest nonce="a", NONCE="b"'), undefined, 'a name twice, in two cases: malformed')
  t.equal(parseDigestCredentials('Digest x=1, X=2'), undefined, 'an unknown name twice')
  t.equal(parseDigestCredentials('Basic dXNlcjpwYXNz'), undefined, 'another scheme')
  t.equal(parseDigestCredentials('Digest a=b, Basic c'), undefined, 'two schemes')
  t.equal(parseDigestCredentials('Digest nonce="a\u0001"'), undefined, 'a control character in a quoted-string')
  t.equal(parseDigestCredentials('DIGEST Realm="r\\"q", username*=UTF-8\'\'%c3%a9, uri="/\u00e9"')?.realm, 'r"q', 'a quoted-pair, through the general parser')
  const parsed = parseDigestCredentials('Digest username="k\u00e9", nc=00000001, uri="/x", qop=auth, other="y"')
  t.same(parsed === undefined ? undefined : { username: parsed.username, nc: parsed.nc, uri: parsed.uri, qop: parsed.qop }, { username: 'k\u00e9', nc: '00000001', uri: '/x', qop: 'auth' }, 'obs-text, an unknown parameter ignored')
})
