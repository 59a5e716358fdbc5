/**
 * Faults (issue 7): the database connection killed mid-run (`pg_terminate_backend`) or the
 * database unreachable gives 503 `STORE_UNAVAILABLE` with `Retry-After`, never a 500 or a
 * hang, and the next requests succeed once the database answers again.
 */
import { existsSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { DigestClient, type Answer } from './helpers/digest-client.js'
import { MAIN, startServer } from './helpers/server.js'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, sql, uniqueSchema } from '../packages/store-postgres/test/fixtures/postgres.js'

const OWNER = 'faultowner'
const SECRET = '7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928'

const unavailable = existsSync(MAIN) ? await postgresUnavailable() : `build first (npm run build): ${MAIN} is missing`

/** Every answer is 2xx or a proper 503; returns the counts. */
function check (t: Test, answers: Answer[], errors: Error[]): { ok: number, unavailable: number, slowestMs: number } {
  const bad = answers.filter((a) => !(a.status >= 200 && a.status < 300) && a.status !== 503).map((a) => `${a.status} ${a.body.slice(0, 200)}`)
  t.same(bad, [], 'no answer other than 2xx or 503 (no 500)')
  const u = answers.filter((a) => a.status === 503)
  const malformed = u.filter((a) => a.headers['retry-after'] !== '1' || a.json?.errorCode !== 'STORE_UNAVAILABLE' || a.json?.error !== 503 || /stack|pg|postgres|terminat/i.test(a.json?.detail ?? ''))
  t.same(malformed.map((a) => a.body), [], 'every 503 is STORE_UNAVAILABLE with Retry-After: 1 and no internals')
  t.same(errors.map((e) => e.message), [], 'every request was answered (no hang, no dropped connection)')
  return { ok: answers.length - u.length, unavailable: u.length, slowestMs: Math.max(0, ...answers.map((a) => a.ms)) }
}

async function load (client: DigestClient, until: () => boolean, answers: Answer[], errors: Error[], w: number): Promise<void> {
  for (let i = 0; !until(); i++) {
    try {
      answers.push(i % 2 === 0
        ? await client.request('GET', '/api/v1/columns?limit=50&table=default.tpch.lineitem')
        : await client.request('POST', '/api/v1/catalogs', { name: `f${w}n${i}`, type: 'hive' }))
    } catch (err) { errors.push(err as Error) }
  }
}

t.test('PostgreSQL connections killed with pg_terminate_backend mid-run', { skip: unavailable }, async (t) => {
  const schema = uniqueSchema()
  const server = await startServer({ DATA_DIR: t.testdir({}), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET }, 90_000)
  let stderr = ''
  server.child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const died = (code: number | null, signal: string | null): void => { t.fail(`the server exited (${String(code ?? signal)}) during the kills: ${stderr.slice(-2000)}`) }
  server.child.once('exit', died)
  t.teardown(async () => { server.child.off('exit', died); await server.stop(); await dropSchema(schema) })
  const answers: Answer[] = []
  const errors: Error[] = []
  let stop = false
  let kills = 0
  const workers = Array.from({ length: 6 }, async (_, w) => { await load(new DigestClient(server.origin, OWNER, SECRET), () => stop, answers, errors, w) })
  const started = Date.now()
  while (Date.now() - started < 3000) {
    const { rowCount } = await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`platform-server/${schema}`])
    kills += rowCount ?? 0
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  stop = true
  await Promise.all(workers)
  const figures = check(t, answers, errors)
  t.ok(kills > 0, `${kills} server connections terminated`)
  t.ok(figures.unavailable > 0, `some requests hit a killed connection: ${figures.unavailable} answered 503`)
  t.comment(`figures: ${answers.length} requests during the kills, ${figures.ok} 2xx, ${figures.unavailable} 503, slowest ${figures.slowestMs} ms; ${kills} connections terminated`)
  const client = new DigestClient(server.origin, OWNER, SECRET)
  const after: number[] = []
  for (let i = 0; i < 20; i++) after.push((await client.request(i % 2 === 0 ? 'GET' : 'POST', i % 2 === 0 ? '/api/v1/catalogs' : '/api/v1/catalogs', i % 2 === 0 ? undefined : { name: `after${i}`, type: 'hive' })).status)
  t.same(after, Array.from({ length: 20 }, (_, i) => i % 2 === 0 ? 200 : 201), 'the next requests all succeed')
})

/** A TCP proxy to the PostgreSQL server that the test can take down (refusing and cutting connections) and bring back. */
class Proxy {
  server: Server | undefined
  readonly sockets = new Set<Socket>()
  port = 0
  async up (): Promise<void> {
    const target = new URL(TEST_DATABASE_URL)
    this.server = createServer((socket) => {
      const upstream = connect(Number(target.port || 5432), target.hostname)
      for (const s of [socket, upstream]) { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); s.on('error', () => undefined) }
      socket.pipe(upstream).pipe(socket)
    })
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
  }

  async down (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }
}

t.test('the PostgreSQL server unreachable, then back', { skip: unavailable }, async (t) => {
  const schema = uniqueSchema()
  const proxy = new Proxy()
  await proxy.up()
  const url = new URL(TEST_DATABASE_URL)
  url.port = String(proxy.port)
  const server = await startServer({ DATA_DIR: t.testdir({}), DATABASE_URL: url.toString(), DATABASE_SCHEMA: schema, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET }, 90_000)
  t.teardown(async () => { await server.stop(); await proxy.down(); await dropSchema(schema) })
  const client = new DigestClient(server.origin, OWNER, SECRET)
  t.equal((await client.request('GET', '/api/v1/catalogs')).status, 200, 'works through the proxy')

  await proxy.down()
  const answers: Answer[] = []
  const errors: Error[] = []
  for (let i = 0; i < 6; i++) {
    try {
      answers.push(i % 2 === 0 ? await client.request('GET', '/api/v1/catalogs/name/default') : await client.request('POST', '/api/v1/catalogs', { name: `down${i}`, type: 'hive' }))
    } catch (err) { errors.push(err as Error) }
  }
  const figures = check(t, answers, errors)
  t.equal(figures.unavailable, 6, 'every request while the database is down: 503')
  t.ok(figures.slowestMs < 6000, `answered within the connection timeout (slowest ${figures.slowestMs} ms)`)
  t.equal((await client.request('GET', '/health')).status, 200, '/health still answers (it does not touch the store)')
  t.comment(`figures: database down: ${answers.length} requests, ${figures.unavailable} answered 503, slowest ${figures.slowestMs} ms`)

  await proxy.up()
  const back = await client.request('POST', '/api/v1/catalogs', { name: 'back', type: 'hive' })
  t.equal(back.status, 201, 'the pool recovers as soon as the database is back')
  t.equal((await client.request('GET', '/api/v1/catalogs/name/back')).status, 200)
  for (const name of ['down1', 'down3', 'down5']) t.equal((await client.request('GET', `/api/v1/catalogs/name/${name}`)).status, 404, `${name}: a refused write is not there`)
})
