import t from 'tap'
import { buildApp } from '../src/app.js'

t.test('resources over an app-written Map store: CRUD, name lookup, paging, filters, recursive delete', async (t) => {
  const { app } = await buildApp('https://library.example.com')
  t.teardown(() => app.close())
  const post = async (url: string, payload: object) => await app.inject({ method: 'POST', url, payload })
  const austen = await post('/v1/authors', { name: 'austen', born: 1775 })
  t.equal(austen.statusCode, 201)
  t.equal(austen.headers.location, `https://library.example.com/v1/authors/${austen.json().id as string}`)
  for (const [name, title, year] of [['emma', 'Emma', 1815], ['persuasion', 'Persuasion', 1817], ['pride', 'Pride and Prejudice', 1813]] as const) {
    t.equal((await post('/v1/books', { name, title, year, author: 'austen' })).statusCode, 201)
  }
  t.equal((await post('/v1/books', { name: 'emma', title: 'Emma again', author: 'austen' })).json().errorCode, 'DUPLICATE_NAME')
  const byName = await app.inject({ method: 'GET', url: '/v1/books/name/austen.persuasion' })
  t.match(byName.json(), { title: 'Persuasion', author: { name: 'austen', href: austen.headers.location } })
  const seen: string[] = []
  let url = '/v1/books?limit=2'
  for (;;) {
    const page = (await app.inject({ method: 'GET', url })).json()
    seen.push(...page.data.map((b: { name: string }) => b.name))
    if (page.paging.after === null) break
    url = `/v1/books?limit=2&after=${encodeURIComponent(page.paging.after)}`
  }
  t.same(seen, ['emma', 'persuasion', 'pride'])
  t.same((await app.inject({ method: 'GET', url: '/v1/books?year=1817' })).json().data.map((b: { name: string }) => b.name), ['persuasion'])
  const patched = await app.inject({ method: 'PATCH', url: `/v1/books/${byName.json().id as string}`, headers: { 'content-type': 'application/json-patch+json' }, payload: [{ op: 'replace', path: '/year', value: 1818 }] })
  t.equal(patched.json().year, 1818)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/authors/${austen.json().id as string}` })).json().errorCode, 'ENTITY_NOT_EMPTY')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/authors/${austen.json().id as string}?recursive=true` })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/books' })).json().paging.total, 0)
})

t.test('a failed transaction leaves the Map store unchanged', async (t) => {
  const { app, registry } = await buildApp('https://library.example.com')
  t.teardown(() => app.close())
  await registry.get('authors').create(registry.get('authors').validateCreate({ name: 'woolf' }))
  await t.rejects(registry.store.transaction(async (tx) => {
    await tx.delete('authors', (await tx.getByName('authors', 'woolf'))!.id)
    throw new Error('rolled back')
  }), /rolled back/)
  t.ok(await registry.store.getByName('authors', 'woolf'))
})
