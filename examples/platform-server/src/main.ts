/**
 * `npm start`: the example Platform API server over HTTPS (API-CONTRACT.md, "Starting it").
 *
 * Startup order (issue 12): the configuration; then the store starts opening (the embedded
 * database in a worker thread, which starts at once) while this thread reads the certificate,
 * admin key and secrets (small files), loads the server's modules (`import()`: with the bundle
 * `npm start` runs, the chunk holding them), builds the server and boots its plugins
 * (`app.ready()`); then, with the store open, seeding, the admin key, and listening.
 * `/health` answers only after all of that.
 */
import { ConfigError, loadConfig } from './config.js'
import { resolveAdminKey } from './admin-key.js'
import { loadSecrets } from './secrets.js'
import { OpeningStore, openStore } from './store.js'
import { loadOrCreateTls } from './tls.js'

/** `RATE_LIMIT_PER_ADDRESS` and `RATE_LIMIT_PER_KEY`: requests per minute (defaults: see rate-limit.ts). */
function rateLimitFromEnv (): { perAddressMax?: number, perKeyMax?: number } {
  const read = (name: string): number | undefined => {
    const value = process.env[name]
    if (value === undefined || value === '') return undefined
    if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new ConfigError(name, `${name} must be a positive integer (requests per minute), got ${value}`)
    return Number(value)
  }
  const perAddressMax = read('RATE_LIMIT_PER_ADDRESS')
  const perKeyMax = read('RATE_LIMIT_PER_KEY')
  return { ...(perAddressMax !== undefined ? { perAddressMax } : {}), ...(perKeyMax !== undefined ? { perKeyMax } : {}) }
}

async function main (): Promise<void> {
  const config = loadConfig()
  // Started first (the embedded database's worker thread starts before this returns); the
  // server is built on it meanwhile, and it is awaited before the first query.
  const opening = new OpeningStore(openStore(config))
  const [tls, adminKey, secrets, { buildServer }, { ensureAdminKeyOnce, seedOnce }] = await (async () => {
    const tls = await loadOrCreateTls(config)
    const adminKey = await resolveAdminKey(config, { info: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) })
    const secrets = await loadSecrets(config)
    return [tls, adminKey, secrets, ...await Promise.all([import('./server.js'), import('./bootstrap.js')])] as const
  })().catch(async (err: unknown) => { await opening.close(); throw err })
  // Several instances behind a load balancer share the Digest replay state in Redis.
  // ioredis is loaded only when REDIS_URL asks for it.
  let redis: import('ioredis').Redis | undefined
  let built: Awaited<ReturnType<typeof buildServer>>
  try {
    redis = config.redisUrl !== undefined
      ? new (await import('ioredis')).Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true })
      : undefined
    const nonceCountStore = redis !== undefined ? new (await import('fastify-platform-api')).RedisNonceCountStore({ client: redis }) : undefined
    built = await buildServer({
      https: { key: tls.key, cert: tls.cert },
      logger: { level: config.logLevel },
      server: { maxConnections: config.maxConnections },
      ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
      store: opening,
      seed: false,
      nonceSecret: secrets.nonceSecret,
      cursorSecret: secrets.cursorSecret,
      ...(nonceCountStore !== undefined ? { nonceCountStore } : {}),
      // Several instances share the rate limit counters in Redis too.
      rateLimit: { ...rateLimitFromEnv(), ...(redis !== undefined ? { redis } : {}) }
    })
  } catch (err) {
    await opening.close()
    redis?.disconnect()
    throw err
  }
  const { app, registry } = built
  app.addHook('onClose', async () => {
    await opening.close()
    if (redis !== undefined) await redis.quit().catch(() => { redis?.disconnect() })
  })
  // The plugins boot while the database may still be opening (this thread is free meanwhile);
  // the onReady hooks (the task runner) wait for the store. Nothing listens yet.
  const ready = (async () => { await app.ready() })()
  ready.catch(() => undefined)
  try {
    // The database is open (or failed to: in use by another process, unreachable) from here.
    const store = await opening.open()
    const seeded = await seedOnce(store)
    await ensureAdminKeyOnce(store, registry, { publicKey: adminKey.publicKey, privateKey: adminKey.privateKey, accessList: config.adminAccessList })
    await ready
    app.log.info({ store: store.driver, schema: store.schema, seeded }, store.driver === 'pg' ? 'store: PostgreSQL server' : `store: embedded PGlite in ${config.dataDir}`)
  } catch (err) {
    await app.close().catch(() => undefined)
    throw err
  }
  if (tls.generated === true) app.log.info({ certPath: tls.certPath }, 'generated a self-signed TLS certificate')
  if (adminKey.generated) {
    process.stdout.write(
      `Generated the ORG_OWNER API key (shown once; also in ${adminKey.file ?? 'DATA_DIR'} with mode 0600):\n` +
      `  public key:  ${adminKey.publicKey}\n  private key: ${adminKey.privateKey}\n`
    )
  }
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'closing: finishing requests in flight')
    app.close().then(() => process.exit(0), (err: unknown) => { app.log.error({ err }, 'close failed'); process.exit(1) })
  }
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  process.on('SIGINT', () => { shutdown('SIGINT') })
  await app.listen({ host: config.host, port: config.port })
}

main().catch((err: unknown) => {
  const code = (err as { code?: string }).code
  const message = err instanceof ConfigError
    ? err.message
    : code === 'STORE_UNAVAILABLE'
      ? `platform-server failed to start: the database cannot be reached (${String((err as { cause?: { message?: string } }).cause?.message ?? 'no answer')}); check DATABASE_URL`
      : `platform-server failed to start: ${(err as Error).message}`
  process.stderr.write(`${message}\n`)
  process.exit(1)
})
