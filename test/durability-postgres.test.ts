/**
 * Durability on the PostgreSQL server (issue 7): SIGKILL during a write load, restart, every
 * acknowledged write is there and no refused one. Skipped, with the reason, when the server
 * is unreachable.
 */
import { existsSync } from 'node:fs'
import t from 'tap'
import { OWNER, SECRET, killDuringLoad } from './helpers/durability.js'
import { MAIN } from './helpers/server.js'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, uniqueSchema } from '../packages/store-postgres/test/fixtures/postgres.js'

const unavailable = existsSync(MAIN) ? await postgresUnavailable() : `build first (npm run build): ${MAIN} is missing`

t.test('PostgreSQL server: SIGKILL during a write load loses no acknowledged write', { skip: unavailable }, async (t) => {
  const schema = uniqueSchema()
  t.teardown(async () => { await dropSchema(schema) })
  await killDuringLoad(t, { DATA_DIR: t.testdir({}), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET })
})
