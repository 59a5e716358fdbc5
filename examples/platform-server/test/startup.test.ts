// Issue 12 (startup): building the example server constructs two Ajv instances (the validator's,
// for bodies and for the other parts), shared with its ResourceRegistry; fast-json-stringify makes
// none, since its unions are written for serialization without `anyOf`. The OpenAPI document still
// shows the unions.
import t from 'tap'
import { buildServer } from '../src/server.js'
import { countAjvInstances } from '../../../test/helpers/ajv-instances.js'

t.test('building the example server makes two Ajv instances; OpenAPI keeps the unions', async (t) => {
  const { count, result: app } = await countAjvInstances(async () => {
    const { app } = await buildServer({ envelope: { httpsOnly: false }, rateLimit: false, publicUrl: 'https://platform.example.com' })
    await app.ready()
    return app
  })
  t.teardown(() => app.close())
  t.equal(count, 2, 'two Ajv instances (41 before: 37 of them fast-json-stringify\'s, 2 the registry\'s)')
  // The document (and api/ with it, test/api-compat.test.ts) is made from the routes' own schemas.
  interface Schema { anyOf?: unknown[], properties?: Record<string, Schema> }
  const document = app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>> }
  const table = document.paths['/api/v1/tables/{id}']?.get?.responses['200']?.content['application/json']?.schema
  t.equal(table?.properties?.tableType?.anyOf?.length, 3, 'tableType is still a union of three literals in OpenAPI')
  const list = document.paths['/api/v1/tables']?.get?.responses['200']?.content['application/json']?.schema
  t.equal(list?.properties?.paging?.properties?.after?.anyOf?.length, 2, 'the paging cursor is still a nullable union in OpenAPI')
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.same(health.json(), { status: 'ok' })
})
