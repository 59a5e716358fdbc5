/**
 * `Idempotency-Key` over the real example server (HTTPS, Digest) on the embedded PGlite store:
 * the key and its answer are kept in the store, so a retry after a restart still replays.
 */
import { existsSync } from 'node:fs'
import t from 'tap'
import { DigestClient } from './helpers/digest-client.js'
import { MAIN, startServer } from './helpers/server.js'

const OWNER = 'idemrestart'
const SECRET = '7c6b5a49-3827-4165-8f4e-3d2c1b0a9f8e'

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('embedded PGlite: a retry after a restart replays the first answer; no second entity', async (t) => {
    const dataDir = t.testdir({})
    const env = { DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET }
    const first = await startServer(env, 90_000)
    const owner = new DigestClient(first.origin, OWNER, SECRET)
    const key = { 'idempotency-key': '"restart-8e03978e"' }
    const created = await owner.request('POST', '/api/v1/catalogs', { name: 'survivor', type: 'hive' }, key)
    t.equal(created.status, 201)
    t.equal(await first.stop(), 0)

    const second = await startServer(env, 90_000)
    t.teardown(async () => { await second.stop() })
    owner.origin = second.origin
    const retried = await owner.request('POST', '/api/v1/catalogs', { name: 'survivor', type: 'hive' }, key)
    t.equal(retried.status, 201)
    t.equal(retried.headers['idempotent-replayed'], 'true')
    t.equal(retried.body, created.body, 'the same answer')
    t.equal(retried.headers.location, created.headers.location)
    const reused = await owner.request('POST', '/api/v1/catalogs', { name: 'another' }, key)
    t.equal(reused.status, 422)
    t.equal(reused.json.errorCode, 'IDEMPOTENCY_KEY_REUSED')
    t.equal((await owner.request('GET', '/api/v1/catalogs')).json.paging.total, 2, 'default and survivor')
  })
}
