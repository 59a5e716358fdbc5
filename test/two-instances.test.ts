/**
 * Scaling out (issue 7): two instances of the example server on different ports share one
 * PostgreSQL database and the nonce and cursor secrets, and behave as one server.
 */
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { digestAuthorization } from 'fastify-platform-api'
import { DigestClient, send } from './helpers/digest-client.js'
import { MAIN, startServer, type RunningServer } from './helpers/server.js'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, uniqueSchema } from '../packages/store-postgres/test/fixtures/postgres.js'

const OWNER = 'twinowner'
const SECRET = '3f1c9a8e-5b2d-4e6f-8a7b-9c0d1e2f3a4b'

const unavailable = existsSync(MAIN) ? await postgresUnavailable() : `build first (npm run build): ${MAIN} is missing`
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Why Redis cannot be used here, or undefined when it answers a PING. */
async function redisUnavailable (): Promise<string | undefined> {
  const { hostname, port } = new URL(REDIS_URL)
  return await new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) })
    const done = (reason: string | undefined): void => { socket.destroy(); resolve(reason) }
    socket.setTimeout(1000, () => { done(`Redis at ${REDIS_URL} did not answer`) })
    socket.on('error', (err) => { done(`Redis unreachable at ${REDIS_URL}: ${err.message}`) })
    socket.on('connect', () => { socket.write('PING\r\n') })
    socket.on('data', (d) => { done(d.toString().startsWith('+PONG') ? undefined : `Redis at ${REDIS_URL} answered ${d.toString().trim()}`) })
  })
}
const redisDown = unavailable === undefined ? await redisUnavailable() : unavailable
if (redisDown !== undefined && unavailable === undefined && process.env.CI === 'true') t.fail(`CI=true: ${redisDown}`)

t.test('two instances on one PostgreSQL behave as one server', { skip: unavailable }, async (t) => {
  const schema = uniqueSchema()
  const env = {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    NONCE_SECRET: randomBytes(32).toString('hex'),
    CURSOR_SECRET: randomBytes(32).toString('hex'),
    ADMIN_PUBLIC_KEY: OWNER,
    ADMIN_PRIVATE_KEY: SECRET,
    // The Digest replay state, shared (without Redis each instance keeps its own).
    ...(redisDown === undefined ? { REDIS_URL } : {})
  }
  // Started at the same moment: migrations, seeding and the admin key must not collide.
  const dir = t.testdir({ a: {}, b: {} })
  const started = await Promise.allSettled([startServer({ ...env, DATA_DIR: `${dir}/a` }, 90_000), startServer({ ...env, DATA_DIR: `${dir}/b` }, 90_000)])
  t.teardown(async () => {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop()
    await dropSchema(schema)
  })
  for (const s of started) if (s.status === 'rejected') throw s.reason
  const [a, b] = started.map((s) => (s as PromiseFulfilledResult<RunningServer>).value) as [RunningServer, RunningServer]
  t.not(a.origin, b.origin, `two ports: ${a.origin} and ${b.origin}`)
  const onA = new DigestClient(a.origin, OWNER, SECRET)
  const onB = new DigestClient(b.origin, OWNER, SECRET)

  await t.test('started together, they seeded once', async (t) => {
    const tables = await onA.request('GET', '/api/v1/tables?limit=1')
    t.equal(tables.status, 200)
    t.equal(tables.json.paging.total, 13)
    t.equal((await onB.request('GET', '/api/v1/catalogs')).json.paging.total, 1)
  })

  await t.test('an API key created on one works on the other', async (t) => {
    const created = await onA.request('POST', '/api/v1/apiKeys', { description: 'made on A', roles: ['ORG_MEMBER'], accessList: [{ cidrBlock: '127.0.0.1/32' }] })
    t.equal(created.status, 201)
    const member = new DigestClient(b.origin, created.json.publicKey, created.json.privateKey)
    const res = await member.request('GET', '/api/v1/catalogs/name/default')
    t.equal(res.status, 200, 'the new key authenticates on B')
    t.equal((await member.request('GET', '/api/v1/apiKeys')).status, 403, 'with the role given on A')
    const deleted = await onB.request('DELETE', `/api/v1/apiKeys/${created.json.id as string}`)
    t.equal(deleted.status, 200)
    member.origin = a.origin
    t.equal((await member.request('GET', '/api/v1/catalogs/name/default')).status, 401, 'deleted on B, refused on A at once')
  })

  await t.test('a nonce issued by one is accepted by the other', async (t) => {
    const challenge = (await send(`${a.origin}/api/v1/catalogs`)).headers['www-authenticate']
    t.ok(challenge, 'A sends a challenge')
    const uri = '/api/v1/catalogs'
    const authorization = digestAuthorization({ challenge: Array.isArray(challenge) ? challenge[0]! : challenge!, username: OWNER, password: SECRET, method: 'GET', uri })
    const res = await send(`${b.origin}${uri}`, { headers: { authorization, accept: 'application/json' } })
    t.equal(res.status, 200)
  })

  await t.test('a header accepted by one is refused by the other (replay state in Redis)', { skip: redisDown }, async (t) => {
    const challenge = (await send(`${a.origin}/api/v1/catalogs`)).headers['www-authenticate']
    const uri = '/api/v1/catalogs'
    const authorization = digestAuthorization({ challenge: Array.isArray(challenge) ? challenge[0]! : challenge!, username: OWNER, password: SECRET, method: 'GET', uri })
    t.equal((await send(`${a.origin}${uri}`, { headers: { authorization, accept: 'application/json' } })).status, 200, 'accepted by A')
    t.equal((await send(`${b.origin}${uri}`, { headers: { authorization, accept: 'application/json' } })).status, 401, 'the same header replayed at B')
  })

  await t.test('a cursor from one pages on the other', async (t) => {
    const names: string[] = []
    let path = '/api/v1/tables?limit=4'
    for (let page = 0; page < 10; page++) {
      const res = await (page % 2 === 0 ? onA : onB).request('GET', path)
      t.equal(res.status, 200, `page ${page + 1} on ${page % 2 === 0 ? 'A' : 'B'}`)
      names.push(...res.json.data.map((d: { fullyQualifiedName: string }) => d.fullyQualifiedName))
      if (res.json.paging.after === null) break
      path = `/api/v1/tables?limit=4&after=${encodeURIComponent(res.json.paging.after as string)}`
    }
    t.equal(names.length, 13)
    t.equal(new Set(names).size, 13)
    t.same(names, [...names].sort(), 'in fullyQualifiedName order')
  })

  await t.test('a change on one is seen on the other at once', async (t) => {
    const created = await onA.request('POST', '/api/v1/catalogs', { name: 'shared', type: 'hive' })
    t.equal(created.status, 201)
    const seen = await onB.request('GET', `/api/v1/catalogs/${created.json.id as string}`)
    t.equal(seen.status, 200)
    t.equal(seen.json.type, 'hive')
    const patched = await onB.request('PATCH', `/api/v1/catalogs/${created.json.id as string}`, { description: 'changed on B' }, { 'content-type': 'application/merge-patch+json' })
    t.equal(patched.status, 200)
    const onAnow = await onA.request('GET', `/api/v1/catalogs/${created.json.id as string}`)
    t.equal(onAnow.json.description, 'changed on B')
    t.equal(onAnow.json.version, 2)
    t.equal(onAnow.headers.etag, patched.headers.etag, 'same ETag on both')
    const stale = await onA.request('PATCH', `/api/v1/catalogs/${created.json.id as string}`, { description: 'late' }, { 'content-type': 'application/merge-patch+json', 'if-match': created.headers.etag as string })
    t.equal(stale.status, 412, 'If-Match with the version read before B\'s change: 412 on A')
    const dup = await onB.request('POST', '/api/v1/catalogs', { name: 'shared', type: 'jdbc' })
    t.equal(dup.status, 409)
    t.equal(dup.json.errorCode, 'DUPLICATE_NAME')
  })
})
