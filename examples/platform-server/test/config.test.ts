import { isAbsolute, resolve } from 'node:path'
import tap from 'tap'
import { ConfigError, loadConfig, parseAccessList } from '../src/config.js'

const PUBLIC_KEY = 'abcd1234'
const PRIVATE_KEY = '0b7c7a4e-9f7d-4c4b-8a9e-2f1d3c5b6a70'

/** The ConfigError that `env` is rejected with (fails the test when none is thrown). */
function errorFor (env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`)
}

/** Asserts that `env` is rejected with a ConfigError naming `variable` and matching `message`. */
function rejects (t: { equal: typeof tap.equal, match: typeof tap.match }, env: NodeJS.ProcessEnv, variable: string, message: RegExp): void {
  const error = errorFor(env)
  t.equal(error.variable, variable, `${variable} is named`)
  t.equal(error.code, 'CONFIG_INVALID_VARIABLE')
  t.match(error.message, new RegExp(`^${variable} `), 'the message starts with the variable')
  t.match(error.message, message)
}

tap.test('contract "Starting it": defaults when no variable is set', async (t) => {
  const config = loadConfig({})
  t.same(config, {
    host: '127.0.0.1',
    port: 8443,
    dataDir: resolve('./.data'),
    adminAccessList: [{ cidrBlock: '127.0.0.1/32' }, { cidrBlock: '::1/128' }],
    logLevel: 'info',
    databaseSchema: 'public',
    maxConnections: 1024
  })
  t.ok(isAbsolute(config.dataDir))
  t.notOk('tlsCertFile' in config)
  t.notOk('databaseUrl' in config)
  t.notOk('adminPublicKey' in config)
})

tap.test('MAX_CONNECTIONS: a positive integer, else a ConfigError naming the variable', async (t) => {
  t.equal(loadConfig({ MAX_CONNECTIONS: '64' }).maxConnections, 64)
  for (const bad of ['0', '-1', '1.5', 'many', '99999999']) {
    t.throws(() => loadConfig({ MAX_CONNECTIONS: bad }), { code: 'CONFIG_INVALID_VARIABLE', variable: 'MAX_CONNECTIONS' }, bad)
  }
})

tap.test('reads process.env when no environment is given', async (t) => {
  const saved = process.env.PORT
  process.env.PORT = '9443'
  t.teardown(() => { if (saved === undefined) delete process.env.PORT; else process.env.PORT = saved })
  t.equal(loadConfig().port, 9443)
})

tap.test('empty or blank variables count as unset; values are trimmed', async (t) => {
  const config = loadConfig({ HOST: '', PORT: '  ', LOG_LEVEL: '', DATA_DIR: ' ', TLS_CERT: '', TLS_KEY: '' })
  t.equal(config.host, '127.0.0.1')
  t.equal(config.port, 8443)
  t.equal(config.logLevel, 'info')
  t.equal(config.dataDir, resolve('./.data'))
  t.equal(loadConfig({ HOST: ' 0.0.0.0 ', PORT: ' 8080 ' }).host, '0.0.0.0')
  t.equal(loadConfig({ PORT: ' 8080 ' }).port, 8080)
})

tap.test('HOST is used as given', async (t) => {
  t.equal(loadConfig({ HOST: '::' }).host, '::')
  t.equal(loadConfig({ HOST: 'localhost' }).host, 'localhost')
})

tap.test('PORT: integer 0..65535, 0 for an ephemeral port', async (t) => {
  t.equal(loadConfig({ PORT: '0' }).port, 0)
  t.equal(loadConfig({ PORT: '1' }).port, 1)
  t.equal(loadConfig({ PORT: '65535' }).port, 65535)
  t.equal(loadConfig({ PORT: '08443' }).port, 8443)
  for (const bad of ['65536', '100000', '-1', '80.5', '1e3', '0x50', 'abc', '80a', '+80', '8 443']) {
    t.test(`rejects ${JSON.stringify(bad)}`, async (t) => {
      rejects(t, { PORT: bad }, 'PORT', /integer from 0 to 65535/)
      t.match(errorFor({ PORT: bad }).message, JSON.stringify(bad), 'the message shows the value')
    })
  }
})

tap.test('DATA_DIR is resolved to an absolute path', async (t) => {
  t.equal(loadConfig({ DATA_DIR: 'var/data' }).dataDir, resolve(process.cwd(), 'var/data'))
  t.equal(loadConfig({ DATA_DIR: '/srv/platform' }).dataDir, '/srv/platform')
})

tap.test('TLS_CERT and TLS_KEY: both or neither', async (t) => {
  const config = loadConfig({ TLS_CERT: 'certs/server.crt', TLS_KEY: '/etc/keys/server.key' })
  t.equal(config.tlsCertFile, resolve('certs/server.crt'))
  t.equal(config.tlsKeyFile, '/etc/keys/server.key')
  rejects(t, { TLS_CERT: 'server.crt' }, 'TLS_KEY', /together with TLS_CERT/)
  rejects(t, { TLS_KEY: 'server.key' }, 'TLS_CERT', /together with TLS_KEY/)
})

tap.test('DATABASE_SCHEMA: a plain SQL identifier', async (t) => {
  t.equal(loadConfig({ DATABASE_SCHEMA: 'platform_api' }).databaseSchema, 'platform_api')
  rejects(t, { DATABASE_SCHEMA: 'a"; drop' }, 'DATABASE_SCHEMA', /letters, digits and _/)
  rejects(t, { DATABASE_SCHEMA: '9lives' }, 'DATABASE_SCHEMA', /not first a digit/)
})

tap.test('NONCE_SECRET and CURSOR_SECRET: at least 32 bytes, never echoed', async (t) => {
  const nonce = 'n'.repeat(32)
  const cursor = 'c'.repeat(40)
  t.match(loadConfig({ NONCE_SECRET: nonce, CURSOR_SECRET: cursor }), { nonceSecret: nonce, cursorSecret: cursor })
  t.notOk('nonceSecret' in loadConfig({}))
  rejects(t, { NONCE_SECRET: 'short-secret-123' }, 'NONCE_SECRET', /at least 32 bytes/)
  rejects(t, { CURSOR_SECRET: 'short-secret-456' }, 'CURSOR_SECRET', /at least 32 bytes/)
  t.notMatch(errorFor({ NONCE_SECRET: 'short-secret-123' }).message, 'short-secret-123')
})

tap.test('DATABASE_URL: optional, postgres:// or postgresql://', async (t) => {
  t.equal(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/platform' }).databaseUrl, 'postgres://u:p@db:5432/platform')
  t.equal(loadConfig({ DATABASE_URL: 'postgresql://yugabyte@127.0.0.1:5433/yugabyte?sslmode=require' }).databaseUrl,
    'postgresql://yugabyte@127.0.0.1:5433/yugabyte?sslmode=require')
  t.equal(loadConfig({ DATABASE_URL: 'PostgreSQL://localhost/db' }).databaseUrl, 'PostgreSQL://localhost/db')
  rejects(t, { DATABASE_URL: 'mysql://root:secret@db/platform' }, 'DATABASE_URL', /postgres:\/\/ or postgresql:\/\//)
  rejects(t, { DATABASE_URL: 'db.example.com:5432' }, 'DATABASE_URL', /must be a PostgreSQL connection URL/)
  rejects(t, { DATABASE_URL: 'postgres:/missing-slash' }, 'DATABASE_URL', /postgres:\/\//)
  t.test('the message does not echo the URL (it may hold a password)', async (t) => {
    t.notMatch(errorFor({ DATABASE_URL: 'mysql://root:hunter2@db/platform' }).message, 'hunter2')
  })
})

tap.test('ADMIN_PUBLIC_KEY and ADMIN_PRIVATE_KEY: both or neither, in their forms', async (t) => {
  const config = loadConfig({ ADMIN_PUBLIC_KEY: PUBLIC_KEY, ADMIN_PRIVATE_KEY: PRIVATE_KEY })
  t.equal(config.adminPublicKey, PUBLIC_KEY)
  t.equal(config.adminPrivateKey, PRIVATE_KEY)
  t.equal(loadConfig({ ADMIN_PUBLIC_KEY: 'a'.repeat(64), ADMIN_PRIVATE_KEY: PRIVATE_KEY.toUpperCase() }).adminPublicKey, 'a'.repeat(64))

  rejects(t, { ADMIN_PUBLIC_KEY: PUBLIC_KEY }, 'ADMIN_PRIVATE_KEY', /together with ADMIN_PUBLIC_KEY/)
  rejects(t, { ADMIN_PRIVATE_KEY: PRIVATE_KEY }, 'ADMIN_PUBLIC_KEY', /together with ADMIN_PRIVATE_KEY/)
  for (const bad of ['abc1234', 'a'.repeat(65), 'ABCD1234', 'abcd-1234', 'abcd_1234', 'abcd 1234']) {
    rejects(t, { ADMIN_PUBLIC_KEY: bad, ADMIN_PRIVATE_KEY: PRIVATE_KEY }, 'ADMIN_PUBLIC_KEY', /8 to 64 lowercase letters or digits/)
  }
  for (const bad of ['not-a-uuid', '0b7c7a4e9f7d4c4b8a9e2f1d3c5b6a70', '0b7c7a4e-9f7d-4c4b-8a9e-2f1d3c5b6a7', 'gb7c7a4e-9f7d-4c4b-8a9e-2f1d3c5b6a70']) {
    rejects(t, { ADMIN_PUBLIC_KEY: PUBLIC_KEY, ADMIN_PRIVATE_KEY: bad }, 'ADMIN_PRIVATE_KEY', /must be a UUID/)
  }
  t.test('the message does not echo the private key', async (t) => {
    t.notMatch(errorFor({ ADMIN_PUBLIC_KEY: PUBLIC_KEY, ADMIN_PRIVATE_KEY: 'secret-value' }).message, 'secret-value')
  })
})

tap.test('ADMIN_ACCESS_LIST: comma-separated, trimmed; "/" makes a cidrBlock, else ipAddress', async (t) => {
  t.same(loadConfig({ ADMIN_ACCESS_LIST: ' 10.0.0.0/8 , 192.0.2.7,2001:db8::/32,  ::1 ' }).adminAccessList, [
    { cidrBlock: '10.0.0.0/8' },
    { ipAddress: '192.0.2.7' },
    { cidrBlock: '2001:db8::/32' },
    { ipAddress: '::1' }
  ])
  t.same(parseAccessList('192.0.2.7,,'), [{ ipAddress: '192.0.2.7' }], 'empty elements are skipped')
  rejects(t, { ADMIN_ACCESS_LIST: ' , ,' }, 'ADMIN_ACCESS_LIST', /comma-separated list of IP addresses or CIDR blocks/)
})

tap.test('LOG_LEVEL: one of pino\'s levels', async (t) => {
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
    t.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level)
  }
  t.equal(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel, 'debug', 'case-insensitive')
  rejects(t, { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /one of fatal, error, warn, info, debug, trace, silent, got "verbose"/)
  rejects(t, { LOG_LEVEL: 'warning' }, 'LOG_LEVEL', /one of/)
})

tap.test('PUBLIC_URL: the base of href links; an absolute http(s) URL without query or fragment', async (t) => {
  t.equal(loadConfig({}).publicUrl, undefined, 'default: the listening socket, known once it listens')
  t.equal(loadConfig({ PUBLIC_URL: 'https://api.example.com/' }).publicUrl, 'https://api.example.com')
  t.equal(loadConfig({ PUBLIC_URL: 'https://api.example.com/platform' }).publicUrl, 'https://api.example.com/platform')
  for (const bad of ['api.example.com', 'ftp://x.example', 'https://x.example/?a=1', 'https://x.example/#top']) {
    rejects(t, { PUBLIC_URL: bad }, 'PUBLIC_URL', /absolute http\(s\) URL/)
  }
})
