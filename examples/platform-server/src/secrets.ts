/**
 * The HMAC keys that must outlive a process: the Digest nonce secret (a nonce issued before
 * a restart stays valid) and the cursor secret (a `paging.after` cursor keeps paging).
 * From `NONCE_SECRET` / `CURSOR_SECRET`, else from `DATA_DIR/secrets.json` (mode 0600),
 * made once. Several instances behind a load balancer are given the same variables.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MIN_SECRET_BYTES, type ServerConfig } from './config.js'

/** Name of the file, inside `DATA_DIR`, that keeps generated secrets. */
export const SECRETS_FILE = 'secrets.json'

/** The secrets the server signs with. */
export interface ServerSecrets {
  /** HMAC-SHA-256 key of Digest nonces, at least 32 bytes. */
  nonceSecret: string
  /** HMAC-SHA-256 key of list cursors, at least 32 bytes. */
  cursorSecret: string
  /** Where each came from. */
  source: { nonceSecret: 'env' | 'file', cursorSecret: 'env' | 'file' }
  /** Absolute path of `DATA_DIR/secrets.json` when a secret was read from or written to it. */
  file?: string
}

type SecretsFile = { nonceSecret: string, cursorSecret: string }

function isSecretsFile (value: unknown): value is SecretsFile {
  const v = value as Partial<SecretsFile> | null
  return typeof v?.nonceSecret === 'string' && Buffer.byteLength(v.nonceSecret) >= MIN_SECRET_BYTES &&
    typeof v.cursorSecret === 'string' && Buffer.byteLength(v.cursorSecret) >= MIN_SECRET_BYTES
}

async function readSecretsFile (file: string): Promise<SecretsFile | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { parsed = undefined }
  if (!isSecretsFile(parsed)) throw new Error(`${file} is not a secrets file ({"nonceSecret", "cursorSecret"}, 32 bytes or more each); remove it to make a new one (issued nonces and cursors then stop working)`)
  return parsed
}

/**
 * The nonce and cursor secrets of `config` (environment), else of `DATA_DIR/secrets.json`,
 * else new random ones written there (mode 0600; `wx`, so two processes starting at once
 * end up with the file's one pair).
 * @throws when the file exists but is not a secrets file.
 */
export async function loadSecrets (config: Pick<ServerConfig, 'dataDir' | 'nonceSecret' | 'cursorSecret'>): Promise<ServerSecrets> {
  if (config.nonceSecret !== undefined && config.cursorSecret !== undefined) {
    return { nonceSecret: config.nonceSecret, cursorSecret: config.cursorSecret, source: { nonceSecret: 'env', cursorSecret: 'env' } }
  }
  const file = join(config.dataDir, SECRETS_FILE)
  let stored = await readSecretsFile(file)
  if (stored === undefined) {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    const made: SecretsFile = { nonceSecret: randomBytes(32).toString('base64url'), cursorSecret: randomBytes(32).toString('base64url') }
    try {
      await writeFile(file, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
      stored = made
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      stored = await readSecretsFile(file)
      if (stored === undefined) throw err
    }
  }
  return {
    nonceSecret: config.nonceSecret ?? stored.nonceSecret,
    cursorSecret: config.cursorSecret ?? stored.cursorSecret,
    source: { nonceSecret: config.nonceSecret !== undefined ? 'env' : 'file', cursorSecret: config.cursorSecret !== undefined ? 'env' : 'file' },
    file
  }
}
