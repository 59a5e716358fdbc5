/**
 * An in-process {@link KeyStore}, for tests, examples and single-instance setups.
 *
 * @module
 */
import type { ApiKeyCredentials, KeyStore } from '../index.js'
import { computeUserhash, type DigestHashName } from './ha1.js'

/**
 * Keeps API key credentials in a `Map` keyed by public key. Stores only what it is
 * given: HA1 hashes, never private keys (compute them with `computeAllHA1`).
 *
 * @example
 * ```ts
 * const store = new MemoryKeyStore()
 * store.set({ id: 'k1', publicKey: 'abcdefgh', roles: ['ORG_MEMBER'],
 *   ha1: computeAllHA1('abcdefgh', 'platform-api', privateKey) })
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, ApiKeyCredentials>()
  /** userhash -> public key, per `hash:realm`, built on first use and dropped on change. */
  readonly #userhashes = new Map<string, Map<string, string>>()

  /** @param initial - credentials to add, as with {@link MemoryKeyStore.set}. */
  constructor (initial: Iterable<ApiKeyCredentials> = []) {
    for (const creds of initial) this.set(creds)
  }

  /**
   * Adds or replaces the credentials of `creds.publicKey` (a shallow copy is kept;
   * `accessList` is kept as the same reference).
   * @throws TypeError when `publicKey` is not a non-empty string.
   */
  set (creds: ApiKeyCredentials): void {
    if (typeof creds?.publicKey !== 'string' || creds.publicKey.length === 0) {
      throw new TypeError('ApiKeyCredentials.publicKey must be a non-empty string')
    }
    this.#keys.set(creds.publicKey, { ...creds, roles: [...creds.roles], ha1: { ...creds.ha1 } })
    this.#userhashes.clear()
  }

  /** Removes a key. @returns `true` if it existed. */
  delete (publicKey: string): boolean {
    this.#userhashes.clear()
    return this.#keys.delete(publicKey)
  }

  /** Resolves the credentials of `publicKey`, or `undefined` when there are none. */
  async getByPublicKey (publicKey: string): Promise<ApiKeyCredentials | undefined> {
    return this.#keys.get(publicKey)
  }

  /**
   * Resolves the credentials whose H(publicKey ":" realm) is `userhash` (RFC 7616 §3.4.4),
   * or `undefined`. The index per hash function and realm is built on first use, O(keys) once.
   */
  async getByUserhash (userhash: string, hash: DigestHashName, realm: string): Promise<ApiKeyCredentials | undefined> {
    const indexKey = `${hash}:${realm}`
    let index = this.#userhashes.get(indexKey)
    if (index === undefined) {
      index = new Map()
      for (const publicKey of this.#keys.keys()) index.set(computeUserhash(hash, publicKey, realm), publicKey)
      this.#userhashes.set(indexKey, index)
    }
    const publicKey = index.get(userhash)
    return publicKey === undefined ? undefined : this.#keys.get(publicKey)
  }
}
