import { chmod, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { PRIVATE_KEY_PATTERN, PUBLIC_KEY_PATTERN, type AccessListEntryInput } from '../src/config.js'
import { ADMIN_KEY_FILE, generatePublicKey, resolveAdminKey, type AdminKeyFile } from '../src/admin-key.js'

const accessList: AccessListEntryInput[] = [{ cidrBlock: '127.0.0.1/32' }, { cidrBlock: '::1/128' }]
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A logger that records what it is given. */
function recorder (): { info: (m: string) => void; warn: (m: string) => void; lines: string[] } {
  const lines: string[] = []
  return { info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), lines }
}

t.test('contract "Starting it": ADMIN_PUBLIC_KEY/ADMIN_PRIVATE_KEY are used as given, nothing is written', async (t) => {
  const dataDir = t.testdir()
  const log = recorder()
  const key = await resolveAdminKey({
    dataDir,
    adminPublicKey: 'opsadmin01',
    adminPrivateKey: '0b7c7a4e-9f7d-4c4b-8a9e-2f1d3c5b6a70',
    adminAccessList: accessList
  }, log)
  t.same(key, { publicKey: 'opsadmin01', privateKey: '0b7c7a4e-9f7d-4c4b-8a9e-2f1d3c5b6a70', generated: false, source: 'env' })
  await t.rejects(stat(join(dataDir, ADMIN_KEY_FILE)), { code: 'ENOENT' })
  t.notMatch(log.lines.join('\n'), '0b7c7a4e', 'the private key is not logged')
})

t.test('contract "Starting it": without them a key is generated once and written to DATA_DIR/admin-key.json (mode 0600)', async (t) => {
  const dataDir = join(t.testdir(), 'new-dir')
  const log = recorder()
  const before = Date.now()
  const generated = await resolveAdminKey({ dataDir, adminAccessList: accessList }, log)
  const file = join(dataDir, ADMIN_KEY_FILE)

  t.equal(generated.generated, true)
  t.equal(generated.source, 'generated')
  t.equal(generated.file, file)
  t.match(generated.publicKey, /^[a-z0-9]{16}$/, 'public key: 16 lowercase letters or digits')
  t.match(generated.publicKey, PUBLIC_KEY_PATTERN)
  t.match(generated.privateKey, UUID_V4, 'private key: a random (v4) UUID')
  t.match(generated.privateKey, PRIVATE_KEY_PATTERN)
  t.notMatch(log.lines.join('\n'), generated.privateKey, 'the private key is not logged')

  if (process.platform !== 'win32') {
    t.equal((await stat(file)).mode & 0o777, 0o600, 'admin-key.json has mode 0600')
  }
  const content = JSON.parse(await readFile(file, 'utf8')) as AdminKeyFile
  t.same(content, {
    publicKey: generated.publicKey,
    privateKey: generated.privateKey,
    roles: ['ORG_OWNER'],
    accessList,
    createdAt: content.createdAt
  })
  t.match(content.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'createdAt is ISO-8601 UTC')
  t.ok(Date.parse(content.createdAt) >= before - 1000 && Date.parse(content.createdAt) <= Date.now() + 1000)

  t.test('the next start reads the same key from the file', async (t) => {
    const log = recorder()
    const again = await resolveAdminKey({ dataDir, adminAccessList: [{ ipAddress: '192.0.2.7' }] }, log)
    t.same(again, { publicKey: generated.publicKey, privateKey: generated.privateKey, generated: false, source: 'file', file })
    t.match(log.lines, [new RegExp(`info: Admin API key ${generated.publicKey} from `)])
    t.notMatch(log.lines.join('\n'), generated.privateKey, 'the private key is not logged')
  })

  t.test('ADMIN_* variables win over the file', async (t) => {
    const key = await resolveAdminKey({ dataDir, adminPublicKey: 'otherkey', adminPrivateKey: '11111111-2222-4333-8444-555555555555', adminAccessList: accessList })
    t.equal(key.publicKey, 'otherkey')
    t.equal(key.source, 'env')
  })
})

t.test('a file written by hand is read; a too-open mode is narrowed to 0600 with a warning', { skip: process.platform === 'win32' }, async (t) => {
  const dataDir = t.testdir({
    [ADMIN_KEY_FILE]: JSON.stringify({ publicKey: 'handmade1', privateKey: 'F0E1D2C3-B4A5-4697-8877-665544332211' })
  })
  const file = join(dataDir, ADMIN_KEY_FILE)
  await chmod(file, 0o644)
  const log = recorder()
  const key = await resolveAdminKey({ dataDir, adminAccessList: accessList }, log)
  t.same(key, { publicKey: 'handmade1', privateKey: 'F0E1D2C3-B4A5-4697-8877-665544332211', generated: false, source: 'file', file })
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.match(log.lines, [/^warn: .*readable by other users \(mode 644\); set to 0600/, /^info: /])
})

t.test('an unusable admin-key.json stops the start with a message naming the file', async (t) => {
  const cases: Record<string, string> = {
    'not JSON': '{ publicKey: ',
    'missing privateKey': JSON.stringify({ publicKey: 'abcd1234' }),
    'public key of the wrong form': JSON.stringify({ publicKey: 'Short', privateKey: '0b7c7a4e-9f7d-4c4b-8a9e-2f1d3c5b6a70' }),
    'private key not a UUID': JSON.stringify({ publicKey: 'abcd1234', privateKey: 'password' }),
    'JSON null': 'null'
  }
  for (const [name, text] of Object.entries(cases)) {
    t.test(name, async (t) => {
      const dataDir = t.testdir({ [ADMIN_KEY_FILE]: text })
      await t.rejects(resolveAdminKey({ dataDir, adminAccessList: accessList }),
        { message: new RegExp(`${ADMIN_KEY_FILE.replace('.', '\\.')} .*delete it to generate a new admin key`) })
      t.equal(await readFile(join(dataDir, ADMIN_KEY_FILE), 'utf8'), text, 'the file is left alone')
    })
  }
})

t.test('an admin-key.json that cannot be read is an error (not replaced)', async (t) => {
  const dataDir = t.testdir({ [ADMIN_KEY_FILE]: {} })
  await t.rejects(resolveAdminKey({ dataDir, adminAccessList: accessList }), { code: 'EISDIR' })
})

t.test('generated public keys: 16 characters from a-z0-9, all different', async (t) => {
  const keys = new Set(Array.from({ length: 200 }, () => generatePublicKey()))
  t.equal(keys.size, 200)
  const seen = new Set([...keys].join(''))
  for (const key of keys) t.match(key, /^[a-z0-9]{16}$/)
  t.ok(seen.size > 30, 'the whole alphabet is used')
})
