import t from 'tap'
import { buildApp } from '../src/app.js'

t.test('the envelope alone: strict validation, the error format, sensible errors in it', async (t) => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const created = await app.inject({ method: 'POST', url: '/books/9780441172719', payload: { title: 'Dune', pages: 412 } })
  t.equal(created.statusCode, 201)
  t.same(created.json(), { title: 'Dune', pages: 412 })
  const typo = await app.inject({ method: 'POST', url: '/books/9780441172719', payload: { title: 'Dune', pagez: 412 } })
  t.equal(typo.statusCode, 400)
  t.match(typo.json(), { errorCode: 'INVALID_ATTRIBUTE', parameters: ['/pagez'], detail: /did you mean "pages"/ })
  const again = await app.inject({ method: 'POST', url: '/books/9780441172719', payload: { title: 'Dune' } })
  t.match(again.json(), { error: 409, errorCode: 'CONFLICT', requestId: again.headers['x-request-id'] })
  t.equal((await app.inject({ method: 'DELETE', url: '/books/1' })).headers.allow, 'GET, HEAD, POST')
  t.equal((await app.inject({ method: 'GET', url: '/books/1' })).json().errorCode, 'NOT_FOUND')
})

t.test('HTTPS only by default', async (t) => {
  const app = await buildApp(true)
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/books/1' })
  t.equal(res.statusCode, 403)
  t.equal(res.json().errorCode, 'HTTPS_REQUIRED')
})
