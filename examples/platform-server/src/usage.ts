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

interface Pending { keyId: string, entry: string, count: number, lastUsedAtMs: number, lastUsedAddress: string }

const usageName = (keyId: string, entry: string): string => `${keyId} ${entry}`

/** Counts entry usage in memory and writes it in batches. */
export class UsageRecorder {
  readonly #store: Store
  /** Pending sums by key id, then by entry (no string is built per request). */
  readonly #pending = new Map<string, Map<string, Pending>>()
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
    const at = Date.now()
    let byEntry = this.#pending.get(keyId)
    if (byEntry === undefined) {
      byEntry = new Map()
      this.#pending.set(keyId, byEntry)
    }
    const p = byEntry.get(entry)
    if (p === undefined) byEntry.set(entry, { keyId, entry, count: 1, lastUsedAtMs: at, lastUsedAddress: address })
    else { p.count++; p.lastUsedAtMs = at; p.lastUsedAddress = address }
  }

  /** Add `p` back to the pending sums (a write that failed). */
  #keep (p: Pending): void {
    let byEntry = this.#pending.get(p.keyId)
    if (byEntry === undefined) {
      byEntry = new Map()
      this.#pending.set(p.keyId, byEntry)
    }
    const again = byEntry.get(p.entry)
    if (again === undefined) byEntry.set(p.entry, p)
    else { again.count += p.count; if (p.lastUsedAtMs > again.lastUsedAtMs) { again.lastUsedAtMs = p.lastUsedAtMs; again.lastUsedAddress = p.lastUsedAddress } }
  }

  /** Write the pending sums now (one document write per key and entry). A failed write is kept for the next flush. */
  async flush (): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing
    if (this.#pending.size === 0) return
    const batch = [...this.#pending.values()].flatMap((byEntry) => [...byEntry.values()])
    this.#pending.clear()
    this.#flushing = (async () => {
      for (const p of batch) {
        try {
          await this.#add(p)
        } catch {
          this.#keep(p)
        }
      }
    })()
    try { await this.#flushing } finally { this.#flushing = undefined }
  }

  async #add (p: Pending): Promise<void> {
    const name = usageName(p.keyId, p.entry)
    const lastUsedAt = new Date(p.lastUsedAtMs).toISOString()
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#store.getByName(USAGE_COLLECTION, name)
      try {
        if (current === undefined) {
          await this.#store.create(USAGE_COLLECTION, { id: crypto.randomUUID(), name, fullyQualifiedName: name, parentId: p.keyId, version: 1, createdAt: lastUsedAt, updatedAt: lastUsedAt, entry: p.entry, count: p.count, lastUsedAt, lastUsedAddress: p.lastUsedAddress })
        } else {
          const newer = String(current.lastUsedAt ?? '') > lastUsedAt
          await this.#store.replace(USAGE_COLLECTION, {
            ...current,
            version: current.version + 1,
            updatedAt: new Date().toISOString(),
            count: Number(current.count ?? 0) + p.count,
            lastUsedAt: newer ? current.lastUsedAt : lastUsedAt,
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
