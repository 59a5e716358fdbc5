/**
 * `config.deprecation` (issue 14, docs/compatibility.md): a deprecated operation still answers,
 * and every answer, errors too, carries `Deprecation: @<epoch seconds>` (RFC 9745 §2.1, a
 * Structured Field Date), `Sunset: <IMF-fixdate>` (RFC 8594 §3) and
 * `Link: <…>; rel="deprecation"` (RFC 9745 §3). Bad settings stop the boot.
 */
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import envelope from '../src/index.js'

const DEPRECATION = { date: '2026-01-01T00:00:00Z', sunset: new Date('2026-07-01T00:00:00Z'), link: 'https://example.com/deprecations/things-v1' }

async function build (t: { teardown: (fn: () => unknown) => void }): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(envelope, { httpsOnly: false })
  app.get('/things/:id', {
    config: { deprecation: DEPRECATION },
    schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } }
  }, async (request, reply) => {
    reply.header('link', '</things?after=2>; rel="next"')
    return { id: (request.params as { id: number }).id }
  })
  app.get('/current', { config: { deprecation: { date: '2026-03-01T12:30:00.000Z' } } }, async () => ({ ok: true }))
  app.get('/fresh', async () => ({ ok: true }))
  t.teardown(() => app.close())
  return app
}

t.test('RFC 9745 §2.1 and RFC 8594 §3: Deprecation as @epoch-seconds, Sunset as an IMF-fixdate, on the answer of a deprecated operation', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/things/7' })
  t.equal(res.statusCode, 200, 'it still answers')
  t.same(res.json(), { id: 7 })
  t.equal(res.headers.deprecation, '@1767225600', '2026-01-01T00:00:00Z')
  t.match(res.headers.deprecation, /^@-?\d{1,15}$/, 'sf-date: "@" and an sf-integer (RFC 9651 §3.3.7)')
  t.equal(res.headers.sunset, 'Wed, 01 Jul 2026 00:00:00 GMT', 'IMF-fixdate (RFC 9110 §5.6.7)')
  const sunset = Date.parse(String(res.headers.sunset))
  t.ok(sunset >= Number(String(res.headers.deprecation).slice(1)) * 1000, 'RFC 9745 §4: the sunset is not before the deprecation')
})

t.test('RFC 9745 §3: a Link of relation "deprecation", beside the route\'s own Link', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/things/7' })
  const links = ([] as string[]).concat(res.headers.link ?? [])
  t.same(links, ['</things?after=2>; rel="next"', '<https://example.com/deprecations/things-v1>; rel="deprecation"; type="text/html"'])
})

t.test('errors and HEAD of a deprecated operation carry the headers too; other operations none', async (t) => {
  const app = await build(t)
  const bad = await app.inject({ url: '/things/seven' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errorCode, 'INVALID_ATTRIBUTE')
  t.equal(bad.headers.deprecation, '@1767225600')
  t.equal(bad.headers.sunset, 'Wed, 01 Jul 2026 00:00:00 GMT')
  const head = await app.inject({ method: 'HEAD', url: '/things/7' })
  t.equal(head.statusCode, 200)
  t.equal(head.headers.deprecation, '@1767225600')
  const current = await app.inject({ url: '/current' })
  t.equal(current.headers.deprecation, '@1772368200', 'seconds, the milliseconds dropped')
  t.equal(current.headers.sunset, undefined, 'no sunset given, none sent')
  t.equal(current.headers.link, undefined)
  const fresh = await app.inject({ url: '/fresh' })
  t.equal(fresh.headers.deprecation, undefined)
  t.equal(fresh.headers.sunset, undefined)
})

t.test('a bad config.deprecation stops the boot with ENVELOPE_INVALID_OPTION naming the route', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ date: 'soon' }, /GET \/x: config\.deprecation\.date must be a Date/],
    [{ date: '2026-01-01T00:00:00Z', sunset: '2025-12-31T00:00:00Z' }, /sunset must not be before its date/],
    [{ date: '2026-01-01T00:00:00Z', link: 'javascript:alert(1)' }, /link must be an http\(s\) URL or a path/],
    [{ date: '2026-01-01T00:00:00Z', link: 'https://example.com/a>; rel="next"' }, /link must be/],
    ['2026-01-01', /config\.deprecation must be \{ date, sunset\?, link\? \}/]
  ]
  for (const [deprecation, message] of cases) {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => {
      await app.register(envelope, { httpsOnly: false })
      app.get('/x', { config: { deprecation: deprecation as never } }, async () => ({}))
      await app.ready()
    }, { code: 'ENVELOPE_INVALID_OPTION', message }, JSON.stringify(deprecation))
  }
})
