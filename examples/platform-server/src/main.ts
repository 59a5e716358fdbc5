/**
 * `npm start`: the example Platform API server over HTTPS (API-CONTRACT.md, "Starting it").
 */
import { ConfigError, loadConfig } from './config.js'
import { resolveAdminKey } from './admin-key.js'
import { buildServer } from './server.js'
import { loadOrCreateTls } from './tls.js'

async function main (): Promise<void> {
  const config = loadConfig()
  if (config.databaseUrl !== undefined) {
    throw new ConfigError('DATABASE_URL', 'DATABASE_URL: the PostgreSQL store is not available yet in this version; unset it to use the in-memory store')
  }
  const tls = await loadOrCreateTls(config)
  const adminKey = await resolveAdminKey(config, { info: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) })
  const { app } = await buildServer({
    https: { key: tls.key, cert: tls.cert },
    logger: { level: config.logLevel },
    ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
    adminKey: { publicKey: adminKey.publicKey, privateKey: adminKey.privateKey, accessList: config.adminAccessList }
  })
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
  process.stderr.write(`${err instanceof ConfigError ? err.message : `platform-server failed to start: ${(err as Error).message}`}\n`)
  process.exit(1)
})
