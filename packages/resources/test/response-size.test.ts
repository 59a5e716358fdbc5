/**
 * `maxResponseBytes` (issue 11, total response size): a cursor page over the bound is cut and
 * `paging.after` (or `before`, read backwards) continues from the last item answered, so a
 * client following the cursors still sees every item once; one entity over the bound is 400
 * RESPONSE_TOO_LARGE in the error format; the option is checked at registration.
 */
import t from 'tap'
import { build, seed } from './fixtures/resources.js'

const CAP = 65_536
const LONG = 'd'.repeat(2000)

async function seedWide (registry: Awaited<ReturnType<typeof build>>['registry'], tables: number): Promise<void> {
  await seed(registry, 0)
  for (let i = 0; i < tables; i++) {
    const name = `w${String(i).padStart(2, '0')}`
    await registry.get('tables').create(registry.get('tables').validateCreate({ name, database: 'default.tpch', description: LONG }))
  }
}

t.test('a cursor page over maxResponseBytes is cut; following after (and before) still visits every item once', async (t) => {
  const { app, registry } = await build(t, { maxResponseBytes: CAP })
  await seedWide(registry, 60)
  const seen: string[] = []
  let url = '/api/v1/tables?limit=1000'
  let pages = 0
  let last = ''
  for (;;) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200)
    t.ok(Buffer.byteLength(res.body) <= CAP, `page ${pages}: ${Buffer.byteLength(res.body)} bytes <= ${CAP}`)
    const body = res.json()
    t.equal(body.paging.total, 60)
    seen.push(...body.data.map((d: { name: string }) => d.name))
    pages++
    last = url
    if (body.paging.after === null) break
    url = `/api/v1/tables?limit=1000&after=${encodeURIComponent(body.paging.after)}`
  }
  t.ok(pages >= 2, `${pages} pages for 60 tables of ~2 KB with limit 1000`)
  t.same(seen, Array.from({ length: 60 }, (_, i) => `w${String(i).padStart(2, '0')}`), 'every table once, in order')
  const back: string[] = []
  let before = (await app.inject({ url: last })).json().paging.before
  while (before !== null) {
    const res = await app.inject({ url: `/api/v1/tables?limit=1000&before=${encodeURIComponent(before)}` })
    t.ok(Buffer.byteLength(res.body) <= CAP)
    back.unshift(...res.json().data.map((d: { name: string }) => d.name))
    before = res.json().paging.before
  }
  t.same([...back, ...(await app.inject({ url: last })).json().data.map((d: { name: string }) => d.name)], seen, 'before cursors lead back over the same items')
})

t.test('one entity with its embedded children over maxResponseBytes: 400 RESPONSE_TOO_LARGE in the error format', async (t) => {
  const { app, registry } = await build(t, { maxResponseBytes: CAP })
  await seedWide(registry, 40)
  const res = await app.inject({ url: '/api/v1/databases/name/default.tpch?fields=tables' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errorCode, 'RESPONSE_TOO_LARGE')
  t.match(res.json().detail, /65536 bytes/)
  t.equal((await app.inject({ url: '/api/v1/databases/name/default.tpch' })).statusCode, 200, 'without the embedding it is answered')
})

t.test('maxResponseBytes is checked at registration', async (t) => {
  for (const bad of [0, 1000, 1.5, '4MiB']) {
    await t.rejects(build(t, { maxResponseBytes: bad as number }), { code: 'RESOURCES_INVALID_OPTION' }, String(bad))
  }
})
