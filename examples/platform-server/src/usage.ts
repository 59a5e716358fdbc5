/**
 * Usage of access list entries (Atlas `lastUsedAt`, `lastUsedAddress`, `count`), counted off
 * the request path: the access-list plugin reports each admitted request (`onMatch`), the
 * recorder adds it up in memory, and writes the sums every `flushIntervalMs` (and when the app
 * closes), one document per key and entry, so a busy key does not write on every request.
 * Several instances add their own sums to the same documents (version-checked, retried).
 */
import type { Store, StoredEntity } from 'fastify-platform-api'

/** The store collection of the usage documents (not served as a resource). */
export const USAGE_COLLECTION = 'accessListUsage'

/** The usage of one entry. */
export interface EntryUsage { count: number, lastUsedAt?: string, lastUsedAddress?: string }

interface Pending { keyId: string, entry: string, count: number, lastUsedAt: string, lastUsedAddress: string }

const usageName = (keyId: string, entry: string): string => `${keyId} ${entry}`

/** Counts entry usage in memory and writes it in batches. */
export class UsageRecorder {
  readonly #store: Store
  readonly #pending = new Map<string, Pending>()
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  /** Documents written so far (for tests and monitoring). */
  writes = 0

  /** @param flushIntervalMs how often sums are written, in milliseconds (default 2000). */
  constructor (store: Store, flushIntervalMs = 2000) {
    if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 1) throw new TypeError('flushIntervalMs must be a positive integer')
    this.#store = store
    this.#intervalMs = flushIntervalMs
  }

  /** Start the periodic flush (an unref()ed timer). */
  start (): void {
    this.#timer ??= setInterval(() => { void this.flush() }, this.#intervalMs)
    this.#timer.unref()
  }

  /** Record one admitted request; synchronous and cheap. */
  record (keyId: string, entry: string, address: string): void {
    const name = usageName(keyId, entry)
    const at = new Date().toISOString()
    const p = this.#pending.get(name)
    if (p === undefined) this.#pending.set(name, { keyId, entry, count: 1, lastUsedAt: at, lastUsedAddress: address })
    else { p.count++; p.lastUsedAt = at; p.lastUsedAddress = address }
  }

  /** Write the pending sums now (one document write per key and entry). A failed write is kept for the next flush. */
  async flush (): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing
    if (this.#pending.size === 0) return
    const batch = [...this.#pending.values()]
    this.#pending.clear()
    this.#flushing = (async () => {
      for (const p of batch) {
        try {
          await this.#add(p)
        } catch {
          const again = this.#pending.get(usageName(p.keyId, p.entry))
          if (again === undefined) this.#pending.set(usageName(p.keyId, p.entry), p)
          else again.count += p.count
        }
      }
    })()
    try { await this.#flushing } finally { this.#flushing = undefined }
  }

  async #add (p: Pending): Promise<void> {
    const name = usageName(p.keyId, p.entry)
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#store.getByName(USAGE_COLLECTION, name)
      try {
        if (current === undefined) {
          await this.#store.create(USAGE_COLLECTION, { id: crypto.randomUUID(), name, fullyQualifiedName: name, parentId: p.keyId, version: 1, createdAt: p.lastUsedAt, updatedAt: p.lastUsedAt, entry: p.entry, count: p.count, lastUsedAt: p.lastUsedAt, lastUsedAddress: p.lastUsedAddress })
        } else {
          const newer = String(current.lastUsedAt ?? '') > p.lastUsedAt
          await this.#store.replace(USAGE_COLLECTION, {
            ...current,
            version: current.version + 1,
            updatedAt: new Date().toISOString(),
            count: Number(current.count ?? 0) + p.count,
            lastUsedAt: newer ? current.lastUsedAt : p.lastUsedAt,
            lastUsedAddress: newer ? current.lastUsedAddress : p.lastUsedAddress
          }, current.version)
        }
        this.writes++
        return
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== 'VERSION_CONFLICT' && code !== 'DUPLICATE_NAME') throw err
      }
    }
  }

  /** Stop the timer and write what is pending. */
  async close (): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    await this.flush()
  }
}

/** The usage of every entry of a key, by entry normal form. */
export async function usageOf (store: Store, keyId: string): Promise<Map<string, EntryUsage>> {
  const out = new Map<string, EntryUsage>()
  const { items } = await store.list<StoredEntity>(USAGE_COLLECTION, { parentId: keyId, limit: 1000 })
  for (const u of items) {
    out.set(String(u.entry), {
      count: Number(u.count ?? 0),
      ...(typeof u.lastUsedAt === 'string' ? { lastUsedAt: u.lastUsedAt } : {}),
      ...(typeof u.lastUsedAddress === 'string' ? { lastUsedAddress: u.lastUsedAddress } : {})
    })
  }
  return out
}

/** Delete the usage documents of a key (with the key), or of one of its entries. */
export async function deleteUsageOf (store: Store, keyId: string, entry?: string): Promise<void> {
  if (entry !== undefined) {
    const doc = await store.getByName(USAGE_COLLECTION, usageName(keyId, entry))
    if (doc !== undefined) await store.delete(USAGE_COLLECTION, doc.id)
    return
  }
  const { items } = await store.list(USAGE_COLLECTION, { parentId: keyId, limit: 1000 })
  for (const u of items) await store.delete(USAGE_COLLECTION, u.id)
}
