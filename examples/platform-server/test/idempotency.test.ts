/**
 * `Idempotency-Key` on the example server (draft-ietf-httpapi-idempotency-key-header): every
 * POST that creates, in both API versions, the SQL action and the asynchronous import.
 */
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildServer } from '../src/server.js'
import { digestInject } from './fixtures/digest.js'

const owner = { username: 'idemowner1', password: '5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }

async function build (t: { teardown: (fn: () => unknown) => void }) {
  const { app, registry } = await buildServer({ envelope: { httpsOnly: false }, publicUrl: 'https://platform.example.com', adminKey: { publicKey: owner.username, privateKey: owner.password, accessList: [{ cidrBlock: '127.0.0.1/32' }] } })
  t.teardown(() => app.close())
  return { app, registry }
}

function replayed (t: Test, first: LightMyRequestResponse, again: LightMyRequestResponse): void {
  t.equal(again.statusCode, first.statusCode)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.body, first.body, 'byte for byte the same body')
  t.equal(again.headers.location, first.headers.location)
}

t.test('v1 and v2 collection POST: the same key and body replay the answer; one entity', async (t) => {
  const { app, registry } = await build(t)
  const v1 = { method: 'POST', url: '/api/v1/catalogs', headers: { 'idempotency-key': '"c-1"' }, payload: { name: 'lake', type: 'iceberg' } }
  const first = await digestInject(app, owner, v1)
  t.equal(first.statusCode, 201)
  replayed(t, first, await digestInject(app, owner, v1))
  const v2 = { method: 'POST', url: '/api/v2/catalogs/lake/databases', headers: { 'idempotency-key': '"d-1"' }, payload: { name: 'raw' } }
  const created = await digestInject(app, owner, v2)
  t.equal(created.statusCode, 201)
  t.equal(created.json().status, '0', 'StarRocks style')
  replayed(t, created, await digestInject(app, owner, v2))
  t.equal((await registry.store.list('databases', { limit: 1, filter: { name: 'raw' } })).total, 1)
  const reused = await digestInject(app, owner, { ...v2, payload: { name: 'other' } })
  t.equal(reused.statusCode, 422)
  t.equal(reused.json().result.errorCode, 'IDEMPOTENCY_KEY_REUSED', 'in the v2 error format')
  t.match(reused.headers['x-request-id'], /\S/)
  const malformed = await digestInject(app, owner, { ...v1, headers: { 'idempotency-key': 'c-1' } })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().errorCode, 'INVALID_IDEMPOTENCY_KEY')
})

t.test('POST …/tables/create (SQL): a retry with the key makes no second table', async (t) => {
  const { app, registry } = await build(t)
  const request = { method: 'POST', url: '/api/v2/catalogs/default/databases/tpch/tables/create', headers: { 'content-type': 'application/sql', 'idempotency-key': '"t-1"' }, payload: 'CREATE TABLE retried (id INT NOT NULL, note VARCHAR(20))' }
  const first = await digestInject(app, owner, request)
  t.equal(first.statusCode, 201, first.body.slice(0, 300))
  replayed(t, first, await digestInject(app, owner, request))
  t.ok(await registry.store.getByName('tables', 'default.tpch.retried'))
  t.equal((await registry.store.list('columns', { parentId: first.json().result.id, limit: 10 })).total, 2)
})

t.test('POST …/databases/{id}/import (202): the replay answers the same task, no second task', async (t) => {
  const { app, registry } = await build(t)
  const db = await registry.store.getByName('databases', 'default.ssb') as { id: string }
  const request = { method: 'POST', url: `/api/v1/databases/${db.id}/import`, headers: { 'content-type': 'application/sql', 'idempotency-key': '"i-1"' }, payload: 'CREATE TABLE imported_once (id INT NOT NULL);' }
  const first = await digestInject(app, owner, request)
  t.equal(first.statusCode, 202, first.body.slice(0, 300))
  const again = await digestInject(app, owner, request)
  t.equal(again.statusCode, 202)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.json().id, first.json().id, 'the same task')
  t.equal(again.headers.location, first.headers.location)
  t.equal((await registry.store.list('tasks', { limit: 1 })).total, 1, 'one task')
})

t.test('keys are per API key; an API key\'s private key is never kept for a replay', async (t) => {
  const { app } = await build(t)
  const made = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', headers: { 'idempotency-key': '"k-1"' }, payload: { roles: ['ORG_MEMBER'], accessList: [{ ipAddress: '127.0.0.1' }] } })
  t.equal(made.statusCode, 201)
  const member = { username: made.json().publicKey, password: made.json().privateKey }
  const again = await digestInject(app, owner, { method: 'POST', url: '/api/v1/apiKeys', headers: { 'idempotency-key': '"k-1"' }, payload: { roles: ['ORG_MEMBER'], accessList: [{ ipAddress: '127.0.0.1' }] } })
  t.equal(again.statusCode, 409)
  t.equal(again.json().errorCode, 'IDEMPOTENT_ANSWER_NOT_KEPT')
  t.equal(again.headers.location, made.headers.location, 'Location names the key made')
  t.notMatch(again.body, member.password)
  const a = await digestInject(app, owner, { method: 'POST', url: '/api/v1/catalogs', headers: { 'idempotency-key': '"same"' }, payload: { name: 'by_owner' } })
  const b = await digestInject(app, member, { method: 'POST', url: '/api/v1/catalogs', headers: { 'idempotency-key': '"same"' }, payload: { name: 'by_member' } })
  t.equal(a.statusCode, 201)
  t.equal(b.statusCode, 201, 'the member\'s "same" is not the owner\'s')
  t.not(a.json().id, b.json().id)
})
