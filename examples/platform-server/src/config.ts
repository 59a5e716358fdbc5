/**
 * The example server's configuration, read once from environment variables.
 *
 * Implements the variable table of `API-CONTRACT.md`, "Starting it". Every rule is
 * checked here, at start, so a bad value stops the server with one clear sentence
 * instead of failing later in a plugin.
 */
import { resolve } from 'node:path'

/** pino's log levels, lowest volume last (`silent` turns logging off). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** One of pino's log levels. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * Form of an API key's public key (`ADMIN_PUBLIC_KEY`, and generated keys):
 * 8 to 64 lowercase letters or digits.
 */
export const PUBLIC_KEY_PATTERN = /^[a-z0-9]{8,64}$/

/**
 * Form of an API key's private key (`ADMIN_PRIVATE_KEY`, and generated keys): a UUID
 * in its canonical 8-4-4-4-12 hexadecimal form (any version, either case).
 */
export const PRIVATE_KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * One element of the admin key's access list, as `@platform-api/access-list` takes
 * it: an element with a `/` is a CIDR block, any other an IP address. The addresses
 * themselves are validated by the access-list package, not here.
 */
export type AccessListEntryInput = { cidrBlock: string } | { ipAddress: string }

/** The server's configuration; see {@link loadConfig} for where each field comes from. */
export interface ServerConfig {
  /** Listen address (`HOST`). */
  host: string
  /** HTTPS port (`PORT`); 0 asks the system for an ephemeral port. */
  port: number
  /** Absolute directory for the self-signed certificate, embedded database and generated admin key (`DATA_DIR`). */
  dataDir: string
  /** Absolute path of the PEM certificate (chain) file (`TLS_CERT`); set together with {@link ServerConfig.tlsKeyFile}. */
  tlsCertFile?: string
  /** Absolute path of the PEM private key file (`TLS_KEY`); set together with {@link ServerConfig.tlsCertFile}. */
  tlsKeyFile?: string
  /** PostgreSQL connection string (`DATABASE_URL`); without it the embedded PGlite store in `DATA_DIR/pgdata`. */
  databaseUrl?: string
  /** Schema of the store's tables (`DATABASE_SCHEMA`), created if absent. */
  databaseSchema: string
  /** Redis URL (`REDIS_URL`) of the Digest replay state shared by several instances; without it, in memory (one instance). */
  redisUrl?: string
  /** HMAC key of Digest nonces (`NONCE_SECRET`, at least 32 bytes); without it one kept in `DATA_DIR/secrets.json`. */
  nonceSecret?: string
  /** HMAC key of list cursors (`CURSOR_SECRET`, at least 32 bytes); without it one kept in `DATA_DIR/secrets.json`. */
  cursorSecret?: string
  /** Public key of the ORG_OWNER key to ensure at start (`ADMIN_PUBLIC_KEY`); set together with {@link ServerConfig.adminPrivateKey}. */
  adminPublicKey?: string
  /** Private key of that ORG_OWNER key (`ADMIN_PRIVATE_KEY`), a UUID. */
  adminPrivateKey?: string
  /** Access list of the admin key (`ADMIN_ACCESS_LIST`); never empty. */
  adminAccessList: AccessListEntryInput[]
  /** pino log level (`LOG_LEVEL`). */
  logLevel: LogLevel
  /**
   * The origin clients reach the server at (`PUBLIC_URL`), the base of every `href` and
   * `Location`; without it, `https://HOST:PORT` of the listening socket.
   */
  publicUrl?: string
  /** Most connections open at once (`MAX_CONNECTIONS`); one more is closed when accepted. */
  maxConnections: number
}

/** Defaults of the contract's variable table, as the environment would give them. */
export const CONFIG_DEFAULTS = {
  HOST: '127.0.0.1',
  PORT: '8443',
  DATA_DIR: './.data',
  ADMIN_ACCESS_LIST: '127.0.0.1/32,::1/128',
  LOG_LEVEL: 'info',
  DATABASE_SCHEMA: 'public',
  MAX_CONNECTIONS: '1024'
} as const

/** Shortest `NONCE_SECRET` / `CURSOR_SECRET`, in bytes (UTF-8). */
export const MIN_SECRET_BYTES = 32

/**
 * Thrown by {@link loadConfig} for an invalid environment variable. The message names
 * the variable and the form expected, e.g.
 * `PORT must be an integer from 0 to 65535, got "80a"`; `variable` holds the name.
 */
export class ConfigError extends Error {
  /** Always `CONFIG_INVALID_VARIABLE`. */
  readonly code = 'CONFIG_INVALID_VARIABLE'
  /** The environment variable at fault, e.g. `PORT`. */
  readonly variable: string

  /**
   * @param variable - the environment variable at fault
   * @param message - the whole sentence, starting with the variable's name
   */
  constructor (variable: string, message: string) {
    super(message)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

/** A variable's value, trimmed; `undefined` when it is unset or blank. */
function read (env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function parsePort (value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(port) || port > 65535) {
    throw new ConfigError('PORT', `PORT must be an integer from 0 to 65535 (0: any free port), got ${JSON.stringify(value)}`)
  }
  return port
}

/**
 * Splits a comma-separated access list into entries: elements are trimmed, empty
 * elements skipped, an element with `/` becomes `{cidrBlock}`, any other
 * `{ipAddress}`.
 *
 * @param value - e.g. `127.0.0.1/32, ::1/128, 192.0.2.7`
 * @throws {@link ConfigError} for `ADMIN_ACCESS_LIST` when no element remains
 */
export function parseAccessList (value: string): AccessListEntryInput[] {
  const entries = value.split(',').map((element) => element.trim()).filter((element) => element !== '')
    .map((element): AccessListEntryInput => element.includes('/') ? { cidrBlock: element } : { ipAddress: element })
  if (entries.length === 0) {
    throw new ConfigError('ADMIN_ACCESS_LIST', `ADMIN_ACCESS_LIST must be a comma-separated list of IP addresses or CIDR blocks (e.g. ${CONFIG_DEFAULTS.ADMIN_ACCESS_LIST}), got ${JSON.stringify(value)}`)
  }
  return entries
}

/**
 * Reads the server configuration from environment variables (API-CONTRACT.md,
 * "Starting it"). Values are trimmed; an empty variable counts as unset.
 *
 * | variable | default | rule |
 * |---|---|---|
 * | `HOST` | `127.0.0.1` | any non-empty string |
 * | `PORT` | `8443` | integer 0..65535 (0: ephemeral port) |
 * | `DATA_DIR` | `./.data` | resolved to an absolute path against the working directory |
 * | `TLS_CERT`, `TLS_KEY` | - | both or neither; resolved to absolute paths (read later by `loadOrCreateTls`) |
 * | `DATABASE_URL` | - | starts with `postgres://` or `postgresql://` |
 * | `DATABASE_SCHEMA` | `public` | letters, digits, `_`; at most 63 characters |
 * | `NONCE_SECRET`, `CURSOR_SECRET` | - | at least 32 bytes each; give the same values to every instance |
 * | `ADMIN_PUBLIC_KEY`, `ADMIN_PRIVATE_KEY` | - | both or neither; 8..64 lowercase letters or digits, and a UUID |
 * | `ADMIN_ACCESS_LIST` | `127.0.0.1/32,::1/128` | comma-separated IP addresses (`ipAddress`) or CIDR blocks (`cidrBlock`, contains `/`) |
 * | `LOG_LEVEL` | `info` | a pino level: fatal, error, warn, info, debug, trace, silent (any case) |
 * | `REDIS_URL` | - | `redis://` or `rediss://` URL: the Digest replay state (`nc` per nonce) shared by several instances |
 * | `PUBLIC_URL` | `https://HOST:PORT` | absolute http(s) URL without query or fragment, the base of `href` links |
 *
 * @param env - the environment to read; `process.env` by default
 * @returns the validated configuration
 * @throws {@link ConfigError} naming the variable and the expected form, for the first invalid variable
 */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const host = read(env, 'HOST') ?? CONFIG_DEFAULTS.HOST
  const port = parsePort(read(env, 'PORT') ?? CONFIG_DEFAULTS.PORT)
  const dataDir = resolve(read(env, 'DATA_DIR') ?? CONFIG_DEFAULTS.DATA_DIR)

  const config: ServerConfig = {
    host,
    port,
    dataDir,
    adminAccessList: parseAccessList(read(env, 'ADMIN_ACCESS_LIST') ?? CONFIG_DEFAULTS.ADMIN_ACCESS_LIST),
    logLevel: 'info',
    databaseSchema: CONFIG_DEFAULTS.DATABASE_SCHEMA,
    maxConnections: Number(CONFIG_DEFAULTS.MAX_CONNECTIONS)
  }

  const tlsCert = read(env, 'TLS_CERT')
  const tlsKey = read(env, 'TLS_KEY')
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    const missing = tlsCert === undefined ? 'TLS_CERT' : 'TLS_KEY'
    throw new ConfigError(missing, `${missing} must be set together with ${missing === 'TLS_CERT' ? 'TLS_KEY' : 'TLS_CERT'}: give both PEM files (certificate and private key) or neither`)
  }
  if (tlsCert !== undefined && tlsKey !== undefined) {
    config.tlsCertFile = resolve(tlsCert)
    config.tlsKeyFile = resolve(tlsKey)
  }

  const databaseUrl = read(env, 'DATABASE_URL')
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) {
      // The value may hold a password: name its scheme only.
      const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(databaseUrl)?.[0] ?? 'no scheme'
      throw new ConfigError('DATABASE_URL', `DATABASE_URL must be a PostgreSQL connection URL starting with postgres:// or postgresql://, got ${scheme}`)
    }
    config.databaseUrl = databaseUrl
  }
  const databaseSchema = read(env, 'DATABASE_SCHEMA')
  if (databaseSchema !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(databaseSchema)) {
      throw new ConfigError('DATABASE_SCHEMA', `DATABASE_SCHEMA must be letters, digits and _ (not first a digit), at most 63 characters, got ${JSON.stringify(databaseSchema)}`)
    }
    config.databaseSchema = databaseSchema
  }
  for (const [variable, field] of [['NONCE_SECRET', 'nonceSecret'], ['CURSOR_SECRET', 'cursorSecret']] as const) {
    const secret = read(env, variable)
    if (secret === undefined) continue
    // Never echo a secret.
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new ConfigError(variable, `${variable} must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -hex 32)`)
    config[field] = secret
  }

  const publicKey = read(env, 'ADMIN_PUBLIC_KEY')
  const privateKey = read(env, 'ADMIN_PRIVATE_KEY')
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    const missing = publicKey === undefined ? 'ADMIN_PUBLIC_KEY' : 'ADMIN_PRIVATE_KEY'
    throw new ConfigError(missing, `${missing} must be set together with ${missing === 'ADMIN_PUBLIC_KEY' ? 'ADMIN_PRIVATE_KEY' : 'ADMIN_PUBLIC_KEY'}: give both or neither (without them a key is generated)`)
  }
  if (publicKey !== undefined && privateKey !== undefined) {
    if (!PUBLIC_KEY_PATTERN.test(publicKey)) {
      throw new ConfigError('ADMIN_PUBLIC_KEY', `ADMIN_PUBLIC_KEY must be 8 to 64 lowercase letters or digits, got ${JSON.stringify(publicKey)}`)
    }
    if (!PRIVATE_KEY_PATTERN.test(privateKey)) {
      // Never echo a secret.
      throw new ConfigError('ADMIN_PRIVATE_KEY', 'ADMIN_PRIVATE_KEY must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal digits)')
    }
    config.adminPublicKey = publicKey
    config.adminPrivateKey = privateKey
  }

  const logLevel = (read(env, 'LOG_LEVEL') ?? CONFIG_DEFAULTS.LOG_LEVEL).toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`)
  }
  config.logLevel = logLevel as LogLevel

  const redisUrl = read(env, 'REDIS_URL')
  if (redisUrl !== undefined) {
    if (!/^rediss?:\/\//i.test(redisUrl)) {
      throw new ConfigError('REDIS_URL', 'REDIS_URL must be a Redis URL starting with redis:// or rediss://')
    }
    config.redisUrl = redisUrl
  }

  const maxConnections = read(env, 'MAX_CONNECTIONS')
  if (maxConnections !== undefined) {
    if (!/^\d{1,7}$/.test(maxConnections) || Number(maxConnections) < 1) {
      throw new ConfigError('MAX_CONNECTIONS', `MAX_CONNECTIONS must be a positive integer (connections open at once), got ${JSON.stringify(maxConnections)}`)
    }
    config.maxConnections = Number(maxConnections)
  }

  const publicUrl = read(env, 'PUBLIC_URL')
  if (publicUrl !== undefined) {
    if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(publicUrl)) {
      throw new ConfigError('PUBLIC_URL', `PUBLIC_URL must be an absolute http(s) URL without query or fragment (e.g. https://api.example.com), got ${JSON.stringify(publicUrl)}`)
    }
    config.publicUrl = publicUrl.replace(/\/$/, '')
  }

  return config
}
