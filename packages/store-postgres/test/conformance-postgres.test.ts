import t from 'tap'
import { openPostgresStore } from '../src/index.js'
import { storeConformance } from './fixtures/conformance.js'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, uniqueSchema } from './fixtures/postgres.js'

const unavailable = await postgresUnavailable()
if (unavailable !== undefined) {
  t.test('PostgreSQL server', { skip: unavailable }, () => {})
} else {
  storeConformance(t, 'PostgreSQL', async () => {
    const schema = uniqueSchema()
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })
    return { store, cleanup: async () => { await store.close(); await dropSchema(schema) } }
  })
  storeConformance(t, 'PostgreSQL without prepared statements', async () => {
    const schema = uniqueSchema()
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, preparedStatements: false })
    return { store, cleanup: async () => { await store.close(); await dropSchema(schema) } }
  })
}
