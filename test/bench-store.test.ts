/**
 * `bench/store.mjs`, the "PostgreSQL store against the MemoryStore" part of `npm run bench`
 * (issue 12), runs to its end: each store's throughput through the store and through the whole
 * suite. Short measurements (0.2 s): this checks that the part works, not its figures. The
 * PostgreSQL row needs the server; without it the script says so and leaves it out.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { postgresUnavailable } from '../packages/store-postgres/test/fixtures/postgres.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const SERVER = fileURLToPath(new URL('../examples/platform-server/dist/server.js', import.meta.url))

if (!existsSync(SERVER)) {
  t.fail(`build first (npm run build): ${SERVER} is missing`)
} else {
  const pgMissing = await postgresUnavailable()
  t.test('bench/store.mjs throughput: every store measured through the store and through the suite', async (t) => {
    const { stdout } = await run(process.execPath, ['bench/store.mjs'], { cwd: root, env: { ...process.env, BENCH_PARTS: 'throughput', BENCH_SECONDS: '0.2', NODE_OPTIONS: '' }, timeout: 90_000 })
    const row = (name: string): RegExp => new RegExp(`^${name} +store: GET +\\d+/s create +\\d+/s \\| HTTP: GET +\\d+/s create +\\d+/s$`, 'm')
    t.match(stdout, row('MemoryStore'))
    t.match(stdout, row('PGlite'))
    if (pgMissing === undefined) t.match(stdout, row('PostgreSQL'))
    else t.match(stdout, /PostgreSQL unreachable/, `no PostgreSQL row: ${pgMissing}`)
    t.match(stdout, /ratios to MemoryStore/)
  })
}
