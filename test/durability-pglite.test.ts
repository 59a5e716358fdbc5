/**
 * Durability on the embedded PGlite store (issue 7): SIGKILL during a write load, restart,
 * every acknowledged write is there and no refused one.
 */
import { existsSync } from 'node:fs'
import t from 'tap'
import { OWNER, SECRET, killDuringLoad } from './helpers/durability.js'
import { MAIN } from './helpers/server.js'

t.test('embedded PGlite: SIGKILL during a write load loses no acknowledged write', { skip: existsSync(MAIN) ? false : `build first (npm run build): ${MAIN} is missing` }, async (t) => {
  await killDuringLoad(t, { DATA_DIR: t.testdir({}), ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET })
})
