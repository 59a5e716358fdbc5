import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadSecrets, SECRETS_FILE } from '../src/secrets.js'

t.test('made once into DATA_DIR/secrets.json (0600), then read back; environment variables win', async (t) => {
  const dataDir = join(t.testdir({}), 'data')
  const [a, b] = await Promise.all([loadSecrets({ dataDir }), loadSecrets({ dataDir })])
  t.equal(a.nonceSecret, b.nonceSecret, 'two processes starting at once end with one pair')
  t.equal(a.cursorSecret, b.cursorSecret)
  t.not(a.nonceSecret, a.cursorSecret)
  t.ok(Buffer.byteLength(a.nonceSecret) >= 32)
  t.equal((await stat(join(dataDir, SECRETS_FILE))).mode & 0o777, 0o600)
  const again = await loadSecrets({ dataDir })
  t.same([again.nonceSecret, again.cursorSecret, again.source], [a.nonceSecret, a.cursorSecret, { nonceSecret: 'file', cursorSecret: 'file' }])
  const env = await loadSecrets({ dataDir, nonceSecret: 'n'.repeat(32), cursorSecret: 'c'.repeat(32) })
  t.same([env.nonceSecret, env.cursorSecret, env.source], ['n'.repeat(32), 'c'.repeat(32), { nonceSecret: 'env', cursorSecret: 'env' }])
  const mixed = await loadSecrets({ dataDir, cursorSecret: 'c'.repeat(32) })
  t.same([mixed.nonceSecret, mixed.cursorSecret], [a.nonceSecret, 'c'.repeat(32)])
  t.match(JSON.parse(await readFile(join(dataDir, SECRETS_FILE), 'utf8')), { nonceSecret: a.nonceSecret })
})

t.test('a damaged secrets file stops the start with a sentence saying what to do', async (t) => {
  const dataDir = t.testdir({})
  await writeFile(join(dataDir, SECRETS_FILE), '{"nonceSecret": "short"}')
  await t.rejects(loadSecrets({ dataDir }), /is not a secrets file .* remove it to make a new one/)
})
