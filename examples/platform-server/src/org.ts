/**
 * The organisation's invariants over users and API keys (YugabyteDB seed: "user's API
 * capabilities correspond to their Platform roles"):
 * - a key may belong to a user (`user`: the user's e-mail); its effective roles are the key's
 *   roles that its user also has, so taking a role from a user takes it from the user's keys
 *   on their next request, and deleting a user revokes its keys at once;
 * - the last ORG_OWNER cannot go: a change that would leave no API key with an effective
 *   ORG_OWNER, or no user with ORG_OWNER while some had it, is 409 `LAST_ORG_OWNER`.
 */
import type { Store, StoredEntity } from 'fastify-platform-api'
import { LastOrgOwnerError } from './errors.js'

const OWNER = 'ORG_OWNER'

interface KeyLike { id: string, roles?: readonly string[], user?: string }
interface UserLike { name: string, roles?: readonly string[] }

/** The effective roles of a key: its own, bounded by its user's (none when the user is gone). */
export function effectiveRoles (key: KeyLike, user: UserLike | undefined): string[] {
  const roles = [...(key.roles ?? [])]
  if (key.user === undefined) return roles
  if (user === undefined) return []
  return roles.filter((r) => user.roles?.includes(r) === true)
}

async function * all (store: Store, collection: string): AsyncGenerator<StoredEntity> {
  let after: string | undefined
  for (;;) {
    const page = await store.list(collection, { limit: 500, ...(after !== undefined ? { after: [after] } : {}) })
    yield * page.items
    if (!page.hasAfter || page.items.length === 0) return
    after = (page.items.at(-1) as StoredEntity).fullyQualifiedName
  }
}

/** A change to check: a key or user replaced (its new state) or removed. */
export interface OrgChange {
  key?: { next?: KeyLike, removedId?: string }
  user?: { next?: UserLike, removedName?: string }
}

/**
 * Refuse a change that would leave no ORG_OWNER. Runs inside the change's transaction.
 * @param what the change in words, for the error (e.g. `Deleting API key abc`).
 * @throws LAST_ORG_OWNER (409).
 */
export async function assertOwnerRemains (store: Store, change: OrgChange, what: string): Promise<void> {
  const users = new Map<string, UserLike>()
  let ownerUsersBefore = 0
  for await (const u of all(store, 'users')) {
    const user = { name: u.name, roles: u.roles as string[] }
    if (user.roles.includes(OWNER)) ownerUsersBefore++
    users.set(u.name, user)
  }
  if (change.user?.removedName !== undefined) users.delete(change.user.removedName)
  if (change.user?.next !== undefined) users.set(change.user.next.name, change.user.next)
  const ownerUsersAfter = [...users.values()].filter((u) => u.roles?.includes(OWNER) === true).length
  if (ownerUsersBefore > 0 && ownerUsersAfter === 0) throw new LastOrgOwnerError(what)

  let ownerKeys = 0
  let seenNext = false
  for await (const k of all(store, 'apiKeys')) {
    if (k.id === change.key?.removedId) continue
    let key: KeyLike = { id: k.id, roles: k.roles as string[], ...(typeof k.user === 'string' ? { user: k.user } : {}) }
    if (change.key?.next !== undefined && k.id === change.key.next.id) { key = change.key.next; seenNext = true }
    if (effectiveRoles(key, key.user !== undefined ? users.get(key.user) : undefined).includes(OWNER)) ownerKeys++
  }
  const created = change.key?.next
  if (created !== undefined && !seenNext && effectiveRoles(created, created.user !== undefined ? users.get(created.user) : undefined).includes(OWNER)) ownerKeys++
  if (ownerKeys === 0) throw new LastOrgOwnerError(what)
}
