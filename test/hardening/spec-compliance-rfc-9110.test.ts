/**
 * RFC 9110 §13 conditional requests, one test per precondition and method, on /api/v1/catalogs
 * (`ETag` is the strong tag of the version).
 */
import t from 'tap'
import { build, snapshot } from './helpers.js'

t.test('RFC 9110 §13: preconditions per method', async (t) => {
  const { as, registry } = await build(t)
  const created = await as({ method: 'POST', url: '/api/v1/catalogs', payload: { name: 'cond' } })
  const id = created.json().id as string
  const item = `/api/v1/catalogs/${id}`
  const etag = created.headers.etag as string
  t.equal(etag, '"1"')
  const status = async (method: string, headers: Record<string, string>, payload?: unknown, url = item, type = 'application/json'): Promise<number> => {
    const res = await as({ method, url, headers: { ...headers, ...(payload !== undefined ? { 'content-type': type } : {}) }, ...(payload !== undefined ? { payload: payload as string } : {}) })
    if (res.statusCode === 412) t.equal(res.json().errorCode, 'PRECONDITION_FAILED')
    return res.statusCode
  }

  await t.test('§13.1.2 If-None-Match on GET and HEAD: weak comparison, 304', async (t) => {
    for (const method of ['GET', 'HEAD']) {
      t.equal(await status(method, { 'if-none-match': etag }), 304, `${method} current tag`)
      t.equal(await status(method, { 'if-none-match': 'W/"1"' }), 304, `${method} weak tag matches weakly`)
      t.equal(await status(method, { 'if-none-match': '"7", "1"' }), 304, `${method} a list`)
      t.equal(await status(method, { 'if-none-match': '*' }), 304, `${method} *`)
      t.equal(await status(method, { 'if-none-match': '"2"' }), 200, `${method} other tag`)
    }
  })

  await t.test('§13.1.1 If-Match on GET: strong comparison, 412 when false', async (t) => {
    t.equal(await status('GET', { 'if-match': etag }), 200)
    t.equal(await status('GET', { 'if-match': 'W/"1"' }), 412, 'a weak tag never matches strongly')
    t.equal(await status('GET', { 'if-match': '"2"' }), 412)
  })

  await t.test('§13.1.1 If-Match on PATCH: strong comparison', async (t) => {
    const before = await snapshot(registry)
    t.equal(await status('PATCH', { 'if-match': 'W/"1"' }, '{"description":"x"}', item, 'application/merge-patch+json'), 412, 'W/"1" is not accepted')
    t.equal(await status('PATCH', { 'if-match': '"9"' }, '{"description":"x"}', item, 'application/merge-patch+json'), 412, 'stale')
    t.equal(await status('PATCH', { 'if-none-match': '*' }, '{"description":"x"}', item, 'application/merge-patch+json'), 412, 'If-None-Match: * on an existing entity')
    t.equal(await snapshot(registry), before, 'nothing changed')
    t.equal(await status('PATCH', { 'if-match': '"1"' }, '{"description":"x"}', item, 'application/merge-patch+json'), 200)
  })

  await t.test('an empty PATCH (or one that changes nothing) does not increment version', async (t) => {
    const v = (await as({ method: 'GET', url: item })).json().version as number
    for (const [type, body] of [['application/merge-patch+json', '{}'], ['application/json-patch+json', '[]'], ['application/merge-patch+json', '{"description":"x"}']]) {
      const res = await as({ method: 'PATCH', url: item, headers: { 'content-type': type as string }, payload: body })
      t.equal(res.statusCode, 200)
      t.equal(res.json().version, v, `${type} ${body}`)
    }
  })

  await t.test('§13.1.1 If-Match and §13.1.2 If-None-Match on PUT', async (t) => {
    const v = (await as({ method: 'GET', url: item })).json().version as number
    t.equal(await status('PUT', { 'if-match': `W/"${v}"` }, { name: 'cond' }, '/api/v1/catalogs'), 412, 'weak If-Match')
    t.equal(await status('PUT', { 'if-none-match': '*' }, { name: 'cond' }, '/api/v1/catalogs'), 412, 'If-None-Match: * on an existing entity does not replace it')
    t.equal(await status('PUT', { 'if-none-match': `"${v}"` }, { name: 'cond' }, '/api/v1/catalogs'), 412, 'If-None-Match with the current tag')
    const before = await snapshot(registry)
    t.equal(await status('PUT', { 'if-match': '"1"' }, { name: 'absent1' }, '/api/v1/catalogs'), 412, 'If-Match on an absent entity is 412, not a create')
    t.equal(await status('PUT', { 'if-match': '*' }, { name: 'absent2' }, '/api/v1/catalogs'), 412, 'If-Match: * on an absent entity')
    t.equal(await snapshot(registry), before, 'nothing created')
    t.equal(await status('PUT', { 'if-none-match': '*' }, { name: 'absent3' }, '/api/v1/catalogs'), 201, 'If-None-Match: * creates when absent')
    t.equal(await status('PUT', { 'if-match': `"${v}"` }, { name: 'cond', description: 'y' }, '/api/v1/catalogs'), 200, 'current strong tag replaces')
  })

  await t.test('§13.1.1 If-Match on DELETE', async (t) => {
    const v = (await as({ method: 'GET', url: item })).json().version as number
    t.equal(await status('DELETE', { 'if-match': `W/"${v}"` }), 412)
    t.equal(await status('DELETE', { 'if-match': '"999"' }), 412)
    t.equal(await status('DELETE', { 'if-none-match': '*' }), 412)
    t.equal(await status('DELETE', { 'if-match': `"${v}"` }), 200)
    t.equal(await status('DELETE', { 'if-match': `"${v}"` }), 404, '§13.2.1: absent without conditions is 404, so the conditions are ignored')
  })
})
