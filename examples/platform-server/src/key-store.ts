/**
 * The auth plugin's `KeyStore` over the `apiKeys` collection: Digest looks keys up by
 * public key (the entity's name) and gets the HA1 hashes, roles and access list.
 */
import type { ApiKeyCredentials, FieldsOf, KeyStore, Store } from 'fastify-platform-api'
import type { apiKeys } from './resources.js'

/** Reads API keys from a resources `Store`. */
export class ResourceKeyStore implements KeyStore {
  readonly #store: Store
  constructor (store: Store) { this.#store = store }

  async getByPublicKey (publicKey: string): Promise<ApiKeyCredentials | undefined> {
    const key = await this.#store.getByName<FieldsOf<typeof apiKeys>>('apiKeys', publicKey)
    if (key === undefined) return undefined
    return { id: key.id, publicKey: key.name, roles: key.roles, ha1: key.ha1 ?? {}, accessList: key.accessList }
  }
}
