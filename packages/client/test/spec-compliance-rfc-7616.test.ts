// The client's Digest against RFC 7616's published example (§3.9.1), the challenge grammar of
// RFC 9110 §11.6.1 (several challenges in one header), the choice of the strongest algorithm, and
// Retry-After (RFC 9110 §10.2.3).
import t from 'tap'
import { chooseChallenge, parseChallenges, retryAfterMs, DigestSession } from '../src/index.js'

// RFC 7616 §3.9.1: the server offers SHA-256 then MD5.
const CHALLENGE = 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ'

t.test('RFC 7616 §3.9.1: the published SHA-256 and MD5 responses', async (t) => {
  const challenges = parseChallenges(CHALLENGE)
  t.equal(challenges.length, 2)
  const sha256 = chooseChallenge(challenges)
  t.equal(sha256?.algorithm, 'SHA-256', 'the stronger of the two')
  const header = new DigestSession(sha256!, 'Mufasa', 'Circle of Life', CNONCE).authorization('GET', '/dir/index.html')
  t.match(header, 'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"')
  t.match(header, 'nc=00000001')
  t.match(header, 'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
  const md5 = chooseChallenge(challenges, ['MD5'])
  t.match(new DigestSession(md5!, 'Mufasa', 'Circle of Life', CNONCE).authorization('GET', '/dir/index.html'), 'response="8ca523f5e9506fed4657c9700eebdbec"')
})

t.test('nc rises by one per request on the same nonce (§3.4)', async (t) => {
  const session = new DigestSession(chooseChallenge(parseChallenges(CHALLENGE))!, 'Mufasa', 'Circle of Life')
  t.match(session.authorization('GET', '/a'), 'nc=00000001')
  t.match(session.authorization('GET', '/a'), 'nc=00000002')
  t.equal(session.count, 2)
})

t.test('the strongest algorithm offered, whatever the order; none when nothing fits', async (t) => {
  const offer = parseChallenges([
    'Digest realm="r", qop="auth", algorithm=MD5, nonce="n1"',
    'Digest realm="r", qop="auth", algorithm=SHA-512-256-sess, nonce="n2"',
    'Basic realm="r"',
    'Digest realm="r", qop="auth", algorithm=SHA-256, nonce="n3"'
  ])
  t.equal(chooseChallenge(offer)?.algorithm, 'SHA-512-256-sess')
  t.equal(chooseChallenge(offer, ['SHA-256', 'MD5'])?.algorithm, 'SHA-256')
  t.equal(chooseChallenge(parseChallenges('Digest realm="r", qop="auth-int", nonce="n"')), undefined, 'qop auth is needed')
  t.equal(chooseChallenge(parseChallenges('Basic realm="r"')), undefined)
  t.match(chooseChallenge(parseChallenges('Digest realm="r", qop="auth", nonce="n", stale=true')), { algorithm: 'MD5', stale: true }, 'no algorithm means MD5')
})

t.test('Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)', async (t) => {
  t.equal(retryAfterMs('3'), 3000)
  t.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000)
  t.equal(retryAfterMs(undefined), undefined)
  t.equal(retryAfterMs('soon'), undefined)
})
