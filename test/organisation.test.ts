/**
 * The rest of the Platform API over HTTPS, per role (issue 9): users whose roles bound their
 * keys, the last ORG_OWNER, access lists as a sub-resource in normal form with usage, durable
 * tasks with 202 and DDL import (API-CONTRACT.md "/api/v1"; YugabyteDB seed).
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { MAIN } from './helpers/server.js'
import { OWNER, startHttpsServer } from './helpers/https-server.js'
import type { RawResponse } from '@platform-api/client'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, uniqueSchema } from '../packages/store-postgres/test/fixtures/postgres.js'

// Several users at once: the PostgreSQL server when there is one. The embedded PGlite store runs
// one transaction at a time, so while an import runs every other request waits for it.
const pgDown = await postgresUnavailable()
if (pgDown !== undefined && process.env.CI === 'true') t.fail(`CI=true: ${pgDown}`)
const concurrencySkip = pgDown === undefined ? false : `the embedded PGlite store holds other requests while an import's transaction runs, so progress cannot be watched from outside (${pgDown})`

const TPCH = ['part', 'supplier', 'partsupp', 'customer', 'orders', 'lineitem', 'nation', 'region']
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/tpch/${name}.sql`, import.meta.url), 'utf8')

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('users, keys, access lists and tasks over HTTPS', async (t) => {
    const schema = uniqueSchema()
    if (pgDown === undefined) t.teardown(async () => { await dropSchema(schema) })
    const { origin, owner, clientFor } = await startHttpsServer(t, pgDown === undefined ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}, 90_000)
    const newKey = async (body: object): Promise<{ id: string, call: ReturnType<typeof clientFor>, res: RawResponse }> => {
      const res = await owner('POST', '/api/v1/apiKeys', { body: { accessList: [{ cidrBlock: '127.0.0.0/8' }], ...body } })
      return { id: res.json().id, call: clientFor(res.json().publicKey, res.json().privateKey), res }
    }
    const member = await newKey({ roles: ['ORG_MEMBER'], description: 'member' })
    const reader = await newKey({ roles: ['ORG_READ_ONLY'], description: 'reader' })

    await t.test('role matrix of the new collections: only ORG_OWNER reads or writes users, keys and access lists; tasks are read by all', async (t) => {
      for (const [who, call, expected] of [['owner', owner, 200], ['member', member.call, 403], ['reader', reader.call, 403]] as const) {
        t.equal((await call('GET', '/api/v1/users')).status, expected, `${who} GET /users`)
        t.equal((await call('GET', '/api/v1/apiKeys')).status, expected, `${who} GET /apiKeys`)
        t.equal((await call('GET', `/api/v1/apiKeys/${member.id}/accessList`)).status, expected, `${who} GET accessList`)
        t.equal((await call('GET', '/api/v1/tasks')).status, 200, `${who} GET /tasks`)
      }
      const refused = await member.call('POST', '/api/v1/users', { body: { name: 'x@example.com', roles: ['ORG_MEMBER'] } })
      t.equal(refused.status, 403)
      t.equal(refused.json().errorCode, 'INSUFFICIENT_ROLE')
      t.equal((await reader.call('POST', `/api/v1/apiKeys/${member.id}/accessList`, { body: { ipAddress: '192.0.2.1' } })).status, 403)
    })

    await t.test('a key belongs to a user: never more than the user\'s roles; a role taken from the user is taken from the key; a deleted user\'s key is refused', async (t) => {
      const user = await owner('POST', '/api/v1/users', { body: { name: 'alice@example.com', displayName: 'Alice', roles: ['ORG_MEMBER', 'ORG_READ_ONLY'] } })
      t.equal(user.status, 201)
      t.match(user.json(), { name: 'alice@example.com', displayName: 'Alice', roles: ['ORG_MEMBER', 'ORG_READ_ONLY'] })
      const tooMuch = await owner('POST', '/api/v1/apiKeys', { body: { roles: ['ORG_OWNER'], user: 'alice@example.com', accessList: [{ cidrBlock: '127.0.0.0/8' }] } })
      t.equal(tooMuch.status, 400)
      t.equal(tooMuch.json().errorCode, 'INVALID_KEY_USER')
      const nobody = await owner('POST', '/api/v1/apiKeys', { body: { roles: ['ORG_MEMBER'], user: 'nobody@example.com', accessList: [{ cidrBlock: '127.0.0.0/8' }] } })
      t.equal(nobody.status, 400)
      const alice = await newKey({ roles: ['ORG_MEMBER'], user: 'alice@example.com' })
      t.equal(alice.res.status, 201)
      t.equal((await alice.call('POST', '/api/v1/catalogs', { body: { name: 'alices' } })).status, 201, 'a member writes catalogs')
      const demoted = await owner('PATCH', `/api/v1/users/${user.json().id as string}`, { body: { roles: ['ORG_READ_ONLY'] }, contentType: 'application/merge-patch+json' })
      t.equal(demoted.status, 200)
      const write = await alice.call('POST', '/api/v1/catalogs', { body: { name: 'alices2' } })
      t.equal(write.status, 403, 'the next write of the user\'s key is refused')
      t.equal(write.json().errorCode, 'INSUFFICIENT_ROLE')
      t.equal((await alice.call('GET', '/api/v1/catalogs/name/alices')).status, 403, 'the key\'s ORG_MEMBER is no longer its user\'s: no role left, reads are refused too')
      t.equal((await owner('DELETE', `/api/v1/users/${user.json().id as string}`)).status, 200)
      t.equal((await alice.call('GET', '/api/v1/tasks')).status, 401, 'the deleted user\'s key is refused at once')
      t.equal((await owner('GET', `/api/v1/apiKeys/${alice.id}`)).status, 404, 'and revoked')
    })

    await t.test('the last ORG_OWNER key or user cannot be deleted or demoted: 409 LAST_ORG_OWNER', async (t) => {
      const keys = (await owner('GET', '/api/v1/apiKeys?limit=100')).json().data as Array<{ id: string, publicKey: string }>
      const bootstrap = keys.find((k) => k.publicKey === OWNER) as { id: string }
      const deleted = await owner('DELETE', `/api/v1/apiKeys/${bootstrap.id}`)
      t.equal(deleted.status, 409)
      t.equal(deleted.json().errorCode, 'LAST_ORG_OWNER')
      const demoted = await owner('PATCH', `/api/v1/apiKeys/${bootstrap.id}`, { body: { roles: ['ORG_MEMBER'] }, contentType: 'application/merge-patch+json' })
      t.equal(demoted.status, 409)
      t.equal(demoted.json().errorCode, 'LAST_ORG_OWNER')
      const second = await newKey({ roles: ['ORG_OWNER'] })
      t.equal((await owner('DELETE', `/api/v1/apiKeys/${second.id}`)).status, 200, 'with another owner key left, an owner key can go')
      const bob = await owner('POST', '/api/v1/users', { body: { name: 'bob@example.com', roles: ['ORG_OWNER'] } })
      const bobDemoted = await owner('PATCH', `/api/v1/users/${bob.json().id as string}`, { body: { roles: ['ORG_MEMBER'] }, contentType: 'application/merge-patch+json' })
      t.equal(bobDemoted.status, 409, 'the last ORG_OWNER user')
      t.equal((await owner('DELETE', `/api/v1/users/${bob.json().id as string}`)).json().errorCode, 'LAST_ORG_OWNER')
      await owner('POST', '/api/v1/users', { body: { name: 'carol@example.com', roles: ['ORG_OWNER'] } })
      t.equal((await owner('PATCH', `/api/v1/users/${bob.json().id as string}`, { body: { roles: ['ORG_MEMBER'] }, contentType: 'application/merge-patch+json' })).status, 200)
      t.equal((await owner('GET', `/api/v1/apiKeys/${bootstrap.id}`)).json().roles[0], 'ORG_OWNER', 'nothing changed by the refused requests')
    })

    await t.test('apiKeys/{id}/accessList: entries in normal form, by URL-encoded address, paged, with createdAt and usage', async (t) => {
      const path = `/api/v1/apiKeys/${member.id}/accessList`
      const added = await owner('POST', path, { body: [{ ipAddress: '2001:DB8::1', comment: 'v6' }, { ipAddress: '::ffff:10.1.2.3' }, { ipAddress: '192.0.2.9', deleteAfterDate: '2030-01-02T03:04:05' }] })
      t.equal(added.status, 201)
      const byAddress = new Map((added.json().data as Array<Record<string, unknown>>).map((e) => [e.ipAddress ?? e.cidrBlock, e]))
      t.same([...byAddress.keys()].sort(), ['10.1.2.3', '127.0.0.0/8', '192.0.2.9', '2001:db8::1'])
      t.match(byAddress.get('2001:db8::1'), { comment: 'v6', count: 0, createdAt: /Z$/ }, '2001:DB8::1 -> 2001:db8::1')
      t.ok(byAddress.has('10.1.2.3'), '::ffff:10.1.2.3 -> 10.1.2.3')
      t.equal(byAddress.get('192.0.2.9')?.deleteAfterDate, '2030-01-02T03:04:05.000Z', 'a date-time without a zone is UTC, answered with Z')
      const hostBits = await owner('POST', path, { body: { cidrBlock: '10.1.2.3/8' } })
      t.equal(hostBits.status, 400, '10.1.2.3/8 is refused (not stored as 10.0.0.0/8)')
      t.match(hostBits.json().detail, '10.0.0.0/8')
      t.equal((await owner('GET', `${path}/${encodeURIComponent('2001:DB8:0::1')}`)).json().ipAddress, '2001:db8::1', 'found by any text form of the address')
      t.equal((await owner('GET', `${path}/${encodeURIComponent('127.0.0.0/8')}`)).json().cidrBlock, '127.0.0.0/8')
      t.equal((await owner('GET', `${path}/192.0.2.200`)).status, 404)
      const page1 = (await owner('GET', `${path}?limit=2`)).json()
      t.equal(page1.data.length, 2)
      t.equal(page1.paging.total, 4)
      const page2 = (await owner('GET', `${path}?limit=2&after=${encodeURIComponent(page1.paging.after as string)}`)).json()
      t.equal(page2.data.length, 2)
      t.same([...page1.data, ...page2.data].map((e: Record<string, string>) => e.ipAddress ?? e.cidrBlock).sort(), [...byAddress.keys()].sort(), 'each entry once')
      const removed = await owner('DELETE', `${path}/10.1.2.3`)
      t.equal(removed.status, 200)
      t.equal(removed.json().ipAddress, '10.1.2.3')
      t.equal((await owner('GET', path)).json().paging.total, 3)

      for (let i = 0; i < 5; i++) t.equal((await member.call('GET', '/api/v1/catalogs/name/default')).status, 200)
      await sleep(2600) // the usage sums are written every 2 s, off the request path
      const used = (await owner('GET', `${path}/${encodeURIComponent('127.0.0.0/8')}`)).json()
      t.ok(used.count >= 5, `count ${String(used.count)}`)
      t.equal(used.lastUsedAddress, '127.0.0.1')
      t.ok(Date.now() - Date.parse(used.lastUsedAt) < 60_000, 'lastUsedAt is recent')
    })

    await t.test('an expired entry stops matching at once and is not shown', async (t) => {
      const soon = new Date(Date.now() + 1500).toISOString()
      const key = await newKey({ roles: ['ORG_READ_ONLY'], accessList: [{ ipAddress: '127.0.0.1', deleteAfterDate: soon }] })
      t.equal((await key.call('GET', '/api/v1/tasks')).status, 200)
      await sleep(1700)
      const refused = await key.call('GET', '/api/v1/tasks')
      t.equal(refused.status, 403)
      t.equal(refused.json().errorCode, 'IP_ADDRESS_NOT_ON_ACCESS_LIST')
      t.equal((await owner('GET', `/api/v1/apiKeys/${key.id}/accessList`)).json().paging.total, 0)
    })

    await t.test('DDL import: 202 with Location, Retry-After and the task; the TPC-H script makes the tables of the seeded tpch', async (t) => {
      const database = (await owner('POST', '/api/v1/databases', { body: { name: 'imported', catalog: 'default' } })).json()
      const script = TPCH.map(fixture).join('\n')
      const submitted = await member.call('POST', `/api/v1/databases/${database.id as string}/import`, { body: script, contentType: 'application/sql' })
      t.equal(submitted.status, 202)
      t.match(submitted.headers.location, new RegExp(`^${origin}/api/v1/tasks/[0-9a-f-]{36}$`))
      t.equal(submitted.headers['retry-after'], '1')
      t.match(submitted.json(), { type: 'ddlImport', status: /queued|running/, progress: 0, href: submitted.headers.location })
      t.equal((await reader.call('POST', `/api/v1/databases/${database.id as string}/import`, { body: script, contentType: 'application/sql' })).status, 403, 'read-only cannot import')
      const taskPath = new URL(String(submitted.headers.location)).pathname
      let task: Record<string, any> = submitted.json() // eslint-disable-line @typescript-eslint/no-explicit-any
      for (let i = 0; i < 100 && (task.status === 'queued' || task.status === 'running'); i++) {
        await sleep(100)
        task = (await reader.call('GET', taskPath)).json()
      }
      t.match(task, { status: 'succeeded', progress: 100, startedAt: /Z$/, finishedAt: /Z$/, result: { database: 'default.imported', statements: 8 } })
      t.equal(task.result.tables.length, 8)
      const columnsOf = async (db: string): Promise<string[][]> => {
        const out: string[][] = []
        for (const name of TPCH) {
          const table = (await owner('GET', `/api/v1/tables/name/default.${db}.${name}?fields=columns`)).json()
          out.push(...table.columns.map((c: { name: string, dataType: string, ordinalPosition: number }) => [name, c.name, c.dataType, String(c.ordinalPosition)]))
        }
        return out
      }
      t.same(await columnsOf('imported'), await columnsOf('tpch'))
    })

    await t.test('a script whose fifth statement is broken creates nothing and names its line and column', async (t) => {
      const database = (await owner('POST', '/api/v1/databases', { body: { name: 'broken', catalog: 'default' } })).json()
      const statements = TPCH.slice(0, 4).map(fixture)
      const script = [...statements, 'CREATE TABLE oops (\n  a INT,\n  b FOO\n);', fixture('region')].join('\n')
      const brokenLine = script.split('\n').findIndex((l) => l.includes('b FOO')) + 1
      const submitted = await owner('POST', `/api/v1/databases/${database.id as string}/import`, { body: script, contentType: 'application/sql' })
      const taskPath = new URL(String(submitted.headers.location)).pathname
      let task = submitted.json()
      for (let i = 0; i < 100 && (task.status === 'queued' || task.status === 'running'); i++) { await sleep(100); task = (await owner('GET', taskPath)).json() }
      t.equal(task.status, 'failed')
      t.match(task.error, { error: 400, errorCode: 'INVALID_SQL', parameters: [brokenLine, 5] })
      t.match(task.error.detail, `line ${brokenLine}, column 5`)
      t.equal((await owner('GET', '/api/v1/tables?database=default.broken')).json().paging.total, 0, 'nothing created')
    })

    await t.test('a 2,000-statement script reports rising progress and can be cancelled midway, leaving nothing half-created', { skip: concurrencySkip }, async (t) => {
      const database = (await owner('POST', '/api/v1/databases', { body: { name: 'bulk', catalog: 'default' } })).json()
      const script = Array.from({ length: 2000 }, (_, i) => `CREATE TABLE t${i} (id BIGINT NOT NULL, name VARCHAR(64), amount DECIMAL(12,2), created DATE);`).join('\n')
      const submitted = await owner('POST', `/api/v1/databases/${database.id as string}/import`, { body: script, contentType: 'application/sql' })
      t.equal(submitted.status, 202)
      const taskPath = new URL(String(submitted.headers.location)).pathname
      const seen: number[] = []
      let task = submitted.json()
      for (let i = 0; i < 400 && task.status !== 'succeeded' && !(task.status === 'running' && task.progress >= 20); i++) {
        await sleep(25)
        task = (await owner('GET', taskPath)).json()
        if (task.status === 'running') seen.push(task.progress)
      }
      t.equal(task.status, 'running', `cancelled midway, at ${String(task.progress)} %`)
      t.ok(seen.length >= 2 && seen.at(-1)! > seen[0]!, `progress rises: ${seen.slice(0, 5).join(', ')} … ${String(seen.at(-1))}`)
      t.same(seen, [...seen].sort((a, b) => a - b), 'and never goes back')
      t.equal((await member.call('DELETE', taskPath)).status, 403, 'ORG_MEMBER reads tasks but cannot cancel them')
      const cancelled = await owner('DELETE', taskPath)
      t.equal(cancelled.status, 200)
      t.equal(cancelled.json().status, 'cancelled')
      t.equal((await owner('GET', '/api/v1/tables?database=default.bulk')).json().paging.total, 0, 'nothing half-created')
      t.equal((await owner('DELETE', taskPath)).json().errorCode, 'TASK_NOT_CANCELLABLE')
    })
  })
}
