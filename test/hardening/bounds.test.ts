/**
 * Issue 11, time and size bounds: embedding is bounded and says when it is cut; a list answer
 * embeds at most MAX_EMBEDDED_PER_ANSWER children; a body over the limit is 413 in the error
 * format, and a client still sending reads it (no connection reset).
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { build, errorFormat, owner } from './helpers.js'

t.test('?fields=columns on a table with 1,005 columns: 1,000 embedded and the cut is signalled', async (t) => {
  const { as, registry } = await build(t)
  const tables = registry.get('tables')
  await tables.create(tables.validateCreate({ name: 'wide', database: 'default.tpch' }))
  const columns = registry.get('columns')
  for (let i = 1; i <= 1005; i++) await columns.create(columns.validateCreate({ name: `c${i}`, table: 'default.tpch.wide', dataType: 'INT', ordinalPosition: i }))
  const res = await as({ method: 'GET', url: '/api/v1/tables/name/default.tpch.wide?fields=columns' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().columns.length, 1000)
  t.same(res.json().embedded, { columns: { total: 1005, returned: 1000, truncated: true } })
  t.same(res.json().columns.slice(0, 3).map((c: { ordinalPosition: number }) => c.ordinalPosition), [1, 2, 3])
  const small = await as({ method: 'GET', url: '/api/v1/tables/name/default.tpch.orders?fields=columns' })
  t.same(small.json().embedded, { columns: { total: 9, returned: 9, truncated: false } })
  const list = await as({ method: 'GET', url: '/api/v1/tables?fields=columns&limit=1000' })
  t.equal(list.statusCode, 200)
  const embedded = (list.json().data as Array<{ columns: unknown[] }>).reduce((n, table) => n + table.columns.length, 0)
  t.ok(embedded <= 10_000, `${embedded} columns embedded in one list answer`)
})

t.test('413: a 2 MiB POST from Python requests reads the 413 in the error format (no connection reset)', async (t) => {
  const { app, as } = await build(t, { rateLimit: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const script = `
import requests, sys
ok = 0
for i in range(10):
    r = requests.post('http://127.0.0.1:${port}/api/v1/catalogs', data=b'{"name":"' + b'x' * (2 * 1024 * 1024) + b'"}', headers={'content-type': 'application/json'}, auth=requests.auth.HTTPDigestAuth('${owner.username}', '${owner.password}'))
    if r.status_code == 413 and r.json()['errorCode'] == 'PAYLOAD_TOO_LARGE' and r.headers.get('x-request-id'): ok += 1
print(ok)
`
  const { stdout } = await promisify(execFile)('python3', ['-c', script], { timeout: 60_000 }).catch((e: Error & { stdout?: string, stderr?: string }) => ({ stdout: `error: ${e.message} ${e.stderr ?? ''}` }))
  t.equal(stdout.trim(), '10', 'ten 413s read, no reset')
  const res = await as({ method: 'POST', url: '/api/v1/catalogs', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(2 * 1024 * 1024) })
  t.equal(res.statusCode, 413)
  t.notOk(errorFormat(res))
})

t.test('a refused body is drained within bounds: the client reads the answer, and past 16 MiB the connection is closed', async (t) => {
  const { app } = await build(t, { rateLimit: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const { connect } = await import('node:net')
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  let answer = ''
  socket.on('data', (d: Buffer) => { answer += d.toString() })
  // 100 MiB announced, no credentials: answered 401 before the body is read.
  socket.write('POST /api/v1/catalogs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n')
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  let sent = 0
  const closed = new Promise<void>((resolve) => { socket.once('close', () => resolve()); socket.once('error', () => resolve()) })
  let open = true
  void closed.then(() => { open = false })
  while (open && sent < 100 * 1024 * 1024) {
    if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed])
    sent += chunk.length
  }
  await closed
  t.match(answer, /^HTTP\/1\.1 401 /, 'the answer was read while the client was sending')
  t.ok(sent > 16 * 1024 * 1024 && sent < 64 * 1024 * 1024, `closed after ${(sent / 1024 / 1024).toFixed(1)} MiB sent (bound 16 MiB)`)
})

t.test('platformServerOptions: maxConnections defaults to 1024, a bad one is ENVELOPE_INVALID_OPTION', async (t) => {
  const { platformServerOptions } = await import('fastify-platform-api')
  t.equal(platformServerOptions().maxConnections, 1024)
  t.equal(platformServerOptions({ maxConnections: 8 }).maxConnections, 8)
  for (const bad of [0, -1, 1.5, Number.NaN]) t.throws(() => platformServerOptions({ maxConnections: bad }), { code: 'ENVELOPE_INVALID_OPTION' }, String(bad))
})
