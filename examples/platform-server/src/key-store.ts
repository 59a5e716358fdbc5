/**
 * The auth plugin's `KeyStore` over the `apiKeys` collection: Digest looks keys up by public
 * key (the entity's name) and gets the HA1 hashes, the effective roles and the access list.
 * A key that belongs to a user acts with the roles both have, read on every request: taking a
 * role from the user takes it from its keys at once, and a key whose user is gone is refused.
 */
import type { ApiKeyCredentials, FieldsOf, KeyStore, Store } from 'fastify-platform-api'
import { effectiveRoles } from './org.js'
import type { apiKeys, users } from './resources.js'

/** Reads API keys (and their users) from a resources `Store`. */
export class ResourceKeyStore implements KeyStore {
  readonly #store: Store
  constructor (store: Store) { this.#store = store }

  async getByPublicKey (publicKey: string): Promise<ApiKeyCredentials | undefined> {
    const key = await this.#store.getByName<FieldsOf<typeof apiKeys>>('apiKeys', publicKey)
    if (key === undefined) return undefined
    let roles: string[] = key.roles
    if (key.user !== undefined) {
      const user = await this.#store.getByName<FieldsOf<typeof users>>('users', key.user)
      if (user === undefined) return undefined
      roles = effectiveRoles(key, user)
    }
    return { id: key.id, publicKey: key.name, roles, ha1: key.ha1 ?? {}, accessList: key.accessList }
  }
}
