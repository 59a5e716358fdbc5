/**
 * Restarts (issue 7): on the embedded store, data, API keys, issued cursors and nonces
 * outlive the process; seeding happens once.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { digestAuthorization } from 'fastify-platform-api'
import { DigestClient, send } from './helpers/digest-client.js'
import { MAIN, startServer } from './helpers/server.js'

const OWNER = 'restartowner'
const SECRET = '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d'

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('embedded PGlite: a restart keeps entities, API keys, cursors and nonces', async (t) => {
    const dataDir = t.testdir({})
    const env = { DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET }
    const first = await startServer(env, 90_000)
    const owner = new DigestClient(first.origin, OWNER, SECRET)
    const catalog = await owner.request('POST', '/api/v1/catalogs', { name: 'kept', type: 'iceberg' })
    t.equal(catalog.status, 201)
    const key = await owner.request('POST', '/api/v1/apiKeys', { roles: ['ORG_READ_ONLY'], accessList: [{ ipAddress: '127.0.0.1' }] })
    t.equal(key.status, 201)
    const page = await owner.request('GET', '/api/v1/tables?limit=5')
    const cursor = page.json.paging.after as string
    const challenge = (await send(`${first.origin}/api/v1/catalogs`)).headers['www-authenticate'] as string
    t.equal(await first.stop(), 0)
    t.equal(statSync(join(dataDir, 'secrets.json')).mode & 0o777, 0o600, 'secrets kept in DATA_DIR with mode 0600')

    const second = await startServer(env, 90_000)
    t.teardown(async () => { await second.stop() })
    owner.origin = second.origin
    const again = await owner.request('GET', `/api/v1/catalogs/${catalog.json.id as string}`)
    t.equal(again.status, 200)
    t.equal(again.json.type, 'iceberg')
    const reader = new DigestClient(second.origin, key.json.publicKey, key.json.privateKey)
    t.equal((await reader.request('GET', '/api/v1/catalogs/name/kept')).status, 200, 'the API key made before the restart works')
    const next = await owner.request('GET', `/api/v1/tables?limit=5&after=${encodeURIComponent(cursor)}`)
    t.equal(next.status, 200, 'a cursor issued before the restart pages on')
    t.equal(next.json.data[0].fullyQualifiedName > page.json.data[4].fullyQualifiedName, true)
    const uri = '/api/v1/catalogs/name/kept'
    const authorization = digestAuthorization({ challenge, username: OWNER, password: SECRET, method: 'GET', uri })
    t.equal((await send(`${second.origin}${uri}`, { headers: { authorization } })).status, 200, 'a nonce issued before the restart is still valid')
    t.equal(page.json.paging.total, 13)
    t.equal((await owner.request('GET', '/api/v1/tables?limit=1')).json.paging.total, 13, 'not seeded twice')
    t.equal((await owner.request('GET', '/api/v1/catalogs')).json.paging.total, 2, 'default and kept')
  })
}
