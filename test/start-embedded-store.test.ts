/**
 * The example server's start (issue 12): the embedded database opens in a worker thread while
 * the server's modules load, yet `/health` and every route answer only once the store is
 * open, seeded and the admin key is in; each way a start can fail still exits 1 with its
 * message and leaves `DATA_DIR` free for the next start.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DigestClient, send } from './helpers/digest-client.js'
import { MAIN, startServer } from './helpers/server.js'

const OWNER = 'startowner01'
const SECRET = '2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d'

/** Run the server with `env` until it exits by itself (it must, within 60 s). */
async function failedStart (env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, stderr }
}

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('embedded PGlite in a worker: listening means open, seeded and the admin key in; failed starts exit 1 and free DATA_DIR', async (t) => {
    const dataDir = t.testdir({})
    const env = { DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET }
    const first = await startServer(env, 90_000)
    t.teardown(async () => { await first.stop() })
    // The first request after "Server listening": everything is there already.
    const owner = new DigestClient(first.origin, OWNER, SECRET)
    const tables = await owner.request('GET', '/api/v1/tables?limit=1')
    t.equal(tables.status, 200, 'the admin key works on the first request')
    t.equal(tables.json.paging.total, 13, 'the seed is in')
    t.equal((await send(`${first.origin}/health`)).status, 200)

    const second = await failedStart(env)
    t.equal(second.code, 1, 'a second process on the same DATA_DIR exits 1')
    t.match(second.stderr, new RegExp(`platform-server failed to start: the embedded database in .* is in use by process ${String(first.child.pid)}`))
    t.equal((await send(`${first.origin}/health`)).status, 200, 'the first one keeps serving')
    t.equal((await owner.request('GET', '/api/v1/catalogs/name/default')).status, 200)
    t.equal(await first.stop(), 0)
    t.notOk(existsSync(join(dataDir, 'pgdata.pid')), 'a clean stop frees DATA_DIR')

    // Read inside the build, after the store opened: the store is closed again on the way out.
    const badBuild = await failedStart({ ...env, RATE_LIMIT_PER_ADDRESS: 'many' })
    t.equal(badBuild.code, 1)
    t.match(badBuild.stderr, /RATE_LIMIT_PER_ADDRESS must be a positive integer/)
    t.notOk(existsSync(join(dataDir, 'pgdata.pid')), 'a start that failed after opening the store freed DATA_DIR')

    const third = await startServer(env, 90_000)
    t.teardown(async () => { await third.stop() })
    owner.origin = third.origin
    t.equal((await owner.request('GET', '/api/v1/tables?limit=1')).json.paging.total, 13, 'the next start opens the same data')
  })

  t.test('an unreachable DATABASE_URL: exit 1 with the STORE_UNAVAILABLE message', async (t) => {
    const { code, stderr } = await failedStart({ DATA_DIR: t.testdir({}), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET })
    t.equal(code, 1)
    t.match(stderr, /platform-server failed to start: the database cannot be reached \(.*\); check DATABASE_URL/)
  })
}
