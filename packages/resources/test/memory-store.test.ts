import t from 'tap'
import { MemoryStore, type StoredEntity } from '../src/index.js'

function entity (name: string, parentId: string | null = null, extra: Record<string, unknown> = {}): StoredEntity {
  const now = new Date().toISOString()
  return { id: `id-${name}`, name, fullyQualifiedName: name, parentId, version: 1, createdAt: now, updatedAt: now, ...extra }
}

t.test('keyset pages over 1000 entities, forward and backward, filtered and by parent', async (t) => {
  const store = new MemoryStore()
  for (let i = 0; i < 1000; i++) await store.create('things', entity(`n${String(i).padStart(4, '0')}`, i % 2 === 0 ? 'even' : 'odd', { bucket: i % 3 }))
  let after: string[] | undefined
  let count = 0
  let hasAfter = true
  while (hasAfter) {
    const page = await store.list('things', { limit: 77, ...(after ? { after } : {}) })
    count += page.items.length
    hasAfter = page.hasAfter
    after = [page.items.at(-1)!.fullyQualifiedName]
    t.equal(page.total, 1000)
  }
  t.equal(count, 1000)
  const back = await store.list('things', { limit: 5, before: ['n0010'] })
  t.same(back.items.map((e) => e.name), ['n0005', 'n0006', 'n0007', 'n0008', 'n0009'])
  t.ok(back.hasBefore)
  t.ok(back.hasAfter)
  const odd = await store.list('things', { limit: 3, parentId: 'odd' })
  t.same(odd.items.map((e) => e.name), ['n0001', 'n0003', 'n0005'])
  t.equal(odd.total, 500)
  const filtered = await store.list('things', { limit: 2, filter: { bucket: 0 }, after: ['n0003'] })
  t.same(filtered.items.map((e) => e.name), ['n0006', 'n0009'])
  t.equal(filtered.total, 334)
  t.ok(filtered.hasBefore)
})

t.test('page mode (offset) visits every entity once, filtered and by parent', async (t) => {
  const store = new MemoryStore()
  for (let i = 0; i < 95; i++) await store.create('things', entity(`n${String(i).padStart(3, '0')}`, i % 2 === 0 ? 'even' : 'odd', { bucket: i % 3 }))
  const seen: string[] = []
  for (let offset = 0; ; offset += 10) {
    const page = await store.list('things', { limit: 10, offset })
    t.equal(page.total, 95)
    t.equal(page.hasBefore, offset > 0)
    seen.push(...page.items.map((e) => e.name))
    if (!page.hasAfter) break
  }
  t.equal(seen.length, 95)
  t.equal(new Set(seen).size, 95)
  const odd = await store.list('things', { limit: 3, offset: 2, parentId: 'odd', filter: { bucket: 0 } })
  t.same(odd.items.map((e) => e.name), ['n015', 'n021', 'n027'])
  const past = await store.list('things', { limit: 10, offset: 1000 })
  t.same(past.items, [])
  t.equal(past.hasAfter, false)
})

t.test('stored entities are frozen copies; duplicates and stale versions are refused', async (t) => {
  const store = new MemoryStore()
  const input = entity('a', null, { tags: ['x'] })
  const stored = await store.create('things', input)
  ;(input.tags as string[]).push('y')
  t.same((await store.get('things', 'id-a'))!.tags, ['x'])
  t.throws(() => { (stored.tags as string[]).push('z') })
  await t.rejects(store.create('things', { ...entity('a'), id: 'other' }), { code: 'DUPLICATE_NAME' })
  await store.replace('things', { ...stored, version: 2 }, 1)
  await t.rejects(store.replace('things', { ...stored, version: 2 }, 1), { code: 'VERSION_CONFLICT' })
})

t.test('stored copies are deep and frozen at every level, equal to what structuredClone kept; the caller\'s object is left as it was', async (t) => {
  const store = new MemoryStore()
  const input = entity('deep', null, { spec: { columns: [{ name: 'a', type: { kind: 'int' } }], note: null, count: 0 }, at: new Date(0) })
  // A "__proto__" key (JSON.parse makes it an own property) stays data: never the stored object's prototype.
  Object.assign(input, JSON.parse('{"extra":{"__proto__":{"polluted":true}}}'))
  const stored = await store.create('things', input)
  t.same(stored, structuredClone(input), 'the same document')
  t.notOk(Object.isFrozen(input), 'the caller\'s object is not frozen')
  t.notOk(Object.isFrozen((input.spec as { columns: unknown[] }).columns))
  const spec = stored.spec as { columns: Array<{ type: { kind: string } }> }
  t.ok(Object.isFrozen(stored) && Object.isFrozen(spec) && Object.isFrozen(spec.columns) && Object.isFrozen(spec.columns[0]) && Object.isFrozen(spec.columns[0]!.type))
  t.not(spec.columns[0], (input.spec as { columns: unknown[] }).columns[0], 'nested objects are copies')
  ;((input.spec as { columns: Array<{ type: { kind: string } }> }).columns[0]!.type).kind = 'text'
  t.equal(((await store.get('things', 'id-deep'))!.spec as typeof spec).columns[0]!.type.kind, 'int')
  t.ok(stored.at instanceof Date && stored.at !== input.at && (stored.at as Date).getTime() === 0, 'a Date is copied as a Date')
  const extra = stored.extra as Record<string, unknown>
  t.ok(Object.hasOwn(extra, '__proto__'), '"__proto__" is an own property')
  t.equal(Object.getPrototypeOf(extra), Object.prototype)
  t.equal((extra as { polluted?: boolean }).polluted, undefined)
  t.equal(({} as { polluted?: boolean }).polluted, undefined)
  await t.rejects(store.create('things', entity('fn', null, { run: () => 1 })), { name: 'DataCloneError' }, 'a function is refused, as structuredClone refuses it')
  t.equal(await store.get('things', 'id-fn'), undefined)
  const replaced = await store.replace('things', { ...stored, version: 2, spec: { ...spec, count: 1 } }, 1)
  t.ok(Object.isFrozen(replaced.spec), 'a replaced version is frozen too')
  t.equal((replaced.spec as { count: number }).count, 1)
})

t.test('a failed transaction leaves nothing behind', async (t) => {
  const store = new MemoryStore()
  await store.create('things', entity('keep'))
  await t.rejects(store.transaction(async (tx) => {
    await tx.create('things', entity('new'))
    await tx.delete('things', 'id-keep')
    throw new Error('boom')
  }), /boom/)
  t.ok(await store.get('things', 'id-keep'))
  t.equal(await store.get('things', 'id-new'), undefined)
  t.equal((await store.list('things', { limit: 10 })).total, 1)
})
