/**
 * `apiKeys/{id}/accessList` (MongoDB Atlas access list management, YugabyteDB seed "API
 * network access"): list, add one entry or several, get and delete one by its URL-encoded
 * address or CIDR block. Entries are kept in normal form: lowercase compressed IPv6, an
 * IPv4-mapped IPv6 address as the IPv4 address, `deleteAfterDate` as UTC with `Z`; a CIDR block
 * with host bits set is refused, naming its network (`10.1.2.3/8` -> 400, "the network is
 * 10.0.0.0/8"). Each entry carries `createdAt` and its usage (`lastUsedAt`,
 * `lastUsedAddress`, `count`, written in batches by `UsageRecorder`). An expired entry stops
 * matching at once, is not shown, and is removed by the next write of the key or the sweep.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { EntityNotFoundError, ListResponseSchema, parseAccessListEntry, withParameters, type ResourceRegistry, type Store } from 'fastify-platform-api'
import { InvalidAttributeError } from '@platform-api/envelope'
import { deleteUsageOf, usageOf, type EntryUsage } from './usage.js'

/** Most entries one key may have. */
export const MAX_ACCESS_LIST_ENTRIES = 200

/** An access list entry as clients send it (Atlas names). */
export const AccessListEntrySchema = Type.Object({
  ipAddress: Type.Optional(Type.String({ maxLength: 64 })),
  cidrBlock: Type.Optional(Type.String({ maxLength: 64 })),
  comment: Type.Optional(Type.String({ maxLength: 256 })),
  deleteAfterDate: Type.Optional(Type.String({ maxLength: 64, description: 'ISO-8601; without a zone, UTC' }))
}, { additionalProperties: false, title: 'AccessListEntryRequest' })

/** An IPv4 or IPv6 address as answered (normalised by the server). */
const ADDRESS_PATTERN = '^[0-9A-Fa-f:.]+$'
/** A CIDR block as answered. */
const CIDR_PATTERN = '^[0-9A-Fa-f:.]+/[0-9]{1,3}$'

/** An entry as answered by `apiKeys/{id}/accessList`. */
export const AccessListEntryAnswer = Type.Object({
  ipAddress: Type.Optional(Type.String({ maxLength: 64, pattern: ADDRESS_PATTERN })),
  cidrBlock: Type.Optional(Type.String({ maxLength: 64, pattern: CIDR_PATTERN })),
  comment: Type.Optional(Type.String({ maxLength: 256 })),
  deleteAfterDate: Type.Optional(Type.String({ format: 'date-time', maxLength: 32 })),
  createdAt: Type.String({ format: 'date-time', maxLength: 32 }),
  lastUsedAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 32 })),
  lastUsedAddress: Type.Optional(Type.String({ maxLength: 64, pattern: ADDRESS_PATTERN })),
  count: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Requests this entry admitted' })
}, { additionalProperties: false, title: 'AccessListEntry' })

type Entry = { ipAddress?: string, cidrBlock?: string, comment?: string, deleteAfterDate?: string }

/** The key of an entry: its `ipAddress` or `cidrBlock` in normal form. */
export function entryKey (entry: Entry): string {
  return entry.ipAddress ?? entry.cidrBlock ?? ''
}

/**
 * Normalize a key's access list: every entry in normal form (@throws INVALID_ACCESS_LIST_ENTRY
 * (400) for a bad one), expired entries dropped, a later entry for the same address replacing an
 * earlier one; `createdAt` kept per entry (`previous`), set now for new ones.
 */
export function normalizeAccessList (entries: readonly Entry[], previous: Readonly<Record<string, string>>, nowMs = Date.now()): { accessList: Entry[], createdAt: Record<string, string> } {
  const byKey = new Map<string, Entry>()
  for (const entry of entries) {
    const parsed = parseAccessListEntry(entry)
    if (parsed.deleteAfterMs !== undefined && parsed.deleteAfterMs < nowMs) continue
    const normal: Entry = parsed.ipAddress !== undefined ? { ipAddress: parsed.ipAddress } : { cidrBlock: parsed.cidrBlock as string }
    if (parsed.comment !== undefined) normal.comment = parsed.comment
    if (parsed.deleteAfterDate !== undefined) normal.deleteAfterDate = parsed.deleteAfterDate
    byKey.delete(entryKey(normal))
    byKey.set(entryKey(normal), normal)
  }
  const now = new Date(nowMs).toISOString()
  const createdAt: Record<string, string> = {}
  for (const key of byKey.keys()) createdAt[key] = previous[key] ?? now
  return { accessList: [...byKey.values()], createdAt }
}

/** The entries in force of a key, as answered, sorted by address. */
function answerEntries (key: { accessList?: Entry[], accessListCreatedAt?: Record<string, string>, createdAt: string }, usage: Map<string, EntryUsage>, nowMs = Date.now()): Array<Record<string, unknown>> {
  return (key.accessList ?? [])
    .filter((e) => e.deleteAfterDate === undefined || Date.parse(e.deleteAfterDate) >= nowMs)
    .map((e) => ({ ...e, createdAt: key.accessListCreatedAt?.[entryKey(e)] ?? key.createdAt, ...(usage.get(entryKey(e)) ?? { count: 0 }) }))
    .sort((a, b) => entryKey(a) < entryKey(b) ? -1 : entryKey(a) > entryKey(b) ? 1 : 0)
}

/** The normal form of an entry named in a path (an address, or a CIDR block with `/` URL-encoded). @throws INVALID_ACCESS_LIST_ENTRY (400). */
function keyOfPath (raw: string): string {
  return entryKey(parseAccessListEntry(raw.includes('/') ? { cidrBlock: raw } : { ipAddress: raw }))
}

/**
 * Register the access-list routes on the `/api/v1` context: `GET|POST /apiKeys/{id}/accessList`,
 * `GET|DELETE /apiKeys/{id}/accessList/{entry}`; permission `admin:read` / `admin:write`.
 */
export function registerAccessListRoutes (v1: FastifyInstance, registry: ResourceRegistry): void {
  const keys = registry.get('apiKeys')
  const responses = v1.envelope.responses
  const KeyParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false })
  const EntryParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }), entry: Type.String({ minLength: 1, maxLength: 64, description: 'The URL-encoded ipAddress or cidrBlock' }) }, { additionalProperties: false })
  const Page = ListResponseSchema(AccessListEntryAnswer, MAX_ACCESS_LIST_ENTRIES)
  const tags = ['apiKeys']
  const read = { permission: 'admin:read' }
  const write = { permission: 'admin:write' }

  const list = async (keyId: string, limit: number, after?: string): Promise<{ data: Array<Record<string, unknown>>, paging: { before: string | null, after: string | null, total: number } }> => {
    const key = await keys.get(keyId)
    const all = answerEntries(key as never, await usageOf(registry.store, keyId))
    const start = after === undefined ? 0 : all.findIndex((e) => entryKey(e) > after)
    const from = start === -1 ? all.length : start
    const data = all.slice(from, from + limit)
    const last = data.at(-1)
    const first = data[0]
    return {
      data,
      paging: {
        before: from > 0 && first !== undefined ? v1.pagination.cursor([entryKey(first)]) : null,
        after: from + limit < all.length && last !== undefined ? v1.pagination.cursor([entryKey(last)]) : null,
        total: all.length
      }
    }
  }

  v1.get('/apiKeys/:id/accessList', {
    schema: { operationId: 'listAccessListEntries', summary: 'List the access list of an API key', description: 'Atlas access list: entries in normal form with createdAt and usage.', tags, params: KeyParams, querystring: v1.pagination.querySchema, response: responses({ 200: Page }) },
    config: read
  }, async (request) => {
    const query = request.query as { limit?: number, after?: string, before?: string }
    const page = v1.pagination.parse(query)
    return await list((request.params as { id: string }).id, page.limit, page.after?.[0] as string | undefined)
  })

  v1.post('/apiKeys/:id/accessList', {
    schema: {
      operationId: 'addAccessListEntries',
      summary: 'Add one entry or several to the access list of an API key',
      description: 'Atlas: POST one entry or an array; an entry for an address already listed replaces it; answers the updated list.',
      tags,
      params: KeyParams,
      body: Type.Union([AccessListEntrySchema, Type.Array(AccessListEntrySchema, { minItems: 1, maxItems: MAX_ACCESS_LIST_ENTRIES })]),
      response: responses({ 201: Page })
    },
    config: write
  }, async (request, reply) => {
    const keyId = (request.params as { id: string }).id
    const added = Array.isArray(request.body) ? request.body as Entry[] : [request.body as Entry]
    const key = await keys.get(keyId)
    const merged = [...((key.accessList ?? []) as Entry[]), ...added]
    const { accessList } = normalizeAccessList(merged, {})
    if (accessList.length > MAX_ACCESS_LIST_ENTRIES) {
      throw withParameters(new InvalidAttributeError(`An API key has at most ${MAX_ACCESS_LIST_ENTRIES} access list entries; this would make ${accessList.length}`), ['/accessList'])
    }
    await keys.patch(keyId, 'merge-patch', { accessList }, { request, check: (current) => { if (current.version !== key.version) throw Object.assign(new Error('The key changed meanwhile; retry'), { statusCode: 409, code: 'VERSION_CONFLICT' }) } })
    reply.code(201)
    return await list(keyId, MAX_ACCESS_LIST_ENTRIES)
  })

  const findEntry = async (keyId: string, raw: string): Promise<Record<string, unknown>> => {
    const wanted = keyOfPath(raw)
    const key = await keys.get(keyId)
    const found = answerEntries(key as never, await usageOf(registry.store, keyId)).find((e) => entryKey(e) === wanted)
    if (found === undefined) throw withParameters(new EntityNotFoundError('access list entry', wanted), [wanted])
    return found
  }

  v1.get('/apiKeys/:id/accessList/:entry', {
    schema: { operationId: 'getAccessListEntry', summary: 'Get one access list entry', description: 'By its URL-encoded ipAddress or cidrBlock, in any text form (it is normalized).', tags, params: EntryParams, response: responses({ 200: AccessListEntryAnswer }) },
    config: read
  }, async (request) => {
    const { id, entry } = request.params as { id: string, entry: string }
    return await findEntry(id, entry)
  })

  v1.delete('/apiKeys/:id/accessList/:entry', {
    schema: { operationId: 'deleteAccessListEntry', summary: 'Delete one access list entry', description: 'Atlas: DELETE by the URL-encoded address or CIDR block; answers the deleted entry.', tags, params: EntryParams, response: responses({ 200: AccessListEntryAnswer }) },
    config: write
  }, async (request) => {
    const { id, entry } = request.params as { id: string, entry: string }
    const found = await findEntry(id, entry)
    const wanted = entryKey(found as Entry)
    const key = await keys.get(id)
    await keys.patch(id, 'merge-patch', { accessList: ((key.accessList ?? []) as Entry[]).filter((e) => entryKey(e) !== wanted) }, { request })
    await deleteUsageOf(registry.store, id, wanted)
    return found
  })
}

/**
 * Remove expired entries from every key (they already match nothing). Runs on a timer in the
 * example server.
 * @returns how many keys were changed.
 */
export async function sweepExpiredEntries (registry: ResourceRegistry, nowMs = Date.now()): Promise<number> {
  const keys = registry.get('apiKeys')
  let changed = 0
  let after: string | undefined
  for (;;) {
    const page = await registry.store.list('apiKeys', { limit: 500, ...(after !== undefined ? { after: [after] } : {}) })
    for (const key of page.items) {
      const entries = (key.accessList ?? []) as Entry[]
      const inForce = entries.filter((e) => e.deleteAfterDate === undefined || Date.parse(e.deleteAfterDate) >= nowMs)
      if (inForce.length === entries.length) continue
      try {
        await keys.patch(key.id, 'merge-patch', { accessList: inForce })
        for (const e of entries) if (!inForce.includes(e)) await deleteUsageOf(registry.store as Store, key.id, entryKey(e))
        changed++
      } catch {
        // Changed or deleted meanwhile: the next sweep looks again.
      }
    }
    if (!page.hasAfter || page.items.length === 0) return changed
    after = (page.items.at(-1) as { fullyQualifiedName: string }).fullyQualifiedName
  }
}
