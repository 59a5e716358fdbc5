/**
 * The built example server over HTTPS with the bootstrap ORG_OWNER key, and our own client
 * (`@platform-api/client`) for any key, answering as sent (any status, no error thrown).
 * Stopped, and its clients closed, when the test ends.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { createClient } from '@platform-api/client'
import { startServer, type RunningServer } from './server.js'

export const OWNER = 'ownerkey'
export const SECRET = '6fa459ea-ee8a-3ca4-894e-db77e160355e'

/** A request of one key: `(method, path, options?) => RawResponse`. */
export type Send = ReturnType<typeof createClient>['send']

type Teardown = Pick<Test, 'teardown' | 'testdir'>

/** Start the server in a fresh DATA_DIR with `env` added; the owner's client and a factory for other keys' clients. */
export async function startHttpsServer (t: Teardown, env: Record<string, string> = {}, startTimeoutMs?: number): Promise<{ server: RunningServer, origin: string, dataDir: string, owner: Send, clientFor: (publicKey: string, privateKey: string) => Send }> {
  const dataDir = t.testdir({})
  const server = await startServer({ DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET, ...env }, startTimeoutMs)
  t.teardown(async () => { await server.stop() })
  const ca = readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8')
  const clientFor = (publicKey: string, privateKey: string): Send => {
    const client = createClient({ baseUrl: server.origin, publicKey, privateKey, ca, retries: 0 })
    t.teardown(client.close)
    return client.send
  }
  return { server, origin: server.origin, dataDir, owner: clientFor(OWNER, SECRET), clientFor }
}
