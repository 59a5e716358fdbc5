/**
 * The JSON copies the MemoryStore and PATCH make (`json-copy.ts`): for JSON data what
 * `structuredClone` gives, independent of the original, and `frozenCopy` frozen all the way down.
 */
import t from 'tap'
import { copyJson, frozenCopy } from '../src/lib/json-copy.js'

const doc = (): Record<string, unknown> => JSON.parse('{"name":"a","n":1,"ok":true,"none":null,"tags":["x",{"deep":[1,2,{"k":"v"}]}],"nested":{"a":{"b":{"c":"d"}}},"__proto__":{"polluted":true}}') as Record<string, unknown>

for (const [name, copy] of [['copyJson', copyJson], ['frozenCopy', frozenCopy]] as const) {
  t.test(`${name}: what structuredClone gives for JSON data, sharing nothing with the original`, async (t) => {
    const original = doc()
    const copied = copy(original)
    t.same(copied, structuredClone(original))
    t.equal(JSON.stringify(copied), JSON.stringify(original))
    t.not(copied, original)
    t.not(copied.tags, original.tags)
    t.not((copied.tags as unknown[])[1], (original.tags as unknown[])[1])
    t.not((copied.nested as { a: unknown }).a, (original.nested as { a: unknown }).a)
    t.ok(Object.hasOwn(copied, '__proto__'), 'a "__proto__" key stays an own data property')
    t.equal(Object.getPrototypeOf(copied), Object.prototype, 'never a prototype')
    t.equal(({} as Record<string, unknown>).polluted, undefined)
    for (const primitive of ['s', 1, true, null, undefined]) t.equal(copy(primitive), primitive)
    const date = new Date(0)
    const withDate = copy({ at: date })
    t.not(withDate.at, date, 'a Date is copied by structuredClone')
    t.equal(withDate.at.getTime(), 0)
    t.throws(() => copy({ f: () => 1 }), { name: 'DataCloneError' }, 'a function is refused as structuredClone refuses it')
  })
}

t.test('frozenCopy freezes every object and array of the copy, copyJson none', async (t) => {
  const frozen = frozenCopy({ ...doc(), at: new Date(0) })
  const open = copyJson(doc())
  const all = (v: unknown, out: object[] = []): object[] => {
    if (v !== null && typeof v === 'object') { out.push(v); for (const x of Object.values(v)) all(x, out) }
    return out
  }
  t.ok(all(frozen).length > 8)
  t.ok(all(frozen).every((o) => Object.isFrozen(o)), 'every level frozen, the structuredClone of the Date too')
  t.ok(all(open).every((o) => !Object.isFrozen(o)), 'nothing frozen')
  const input = doc()
  frozenCopy(input)
  t.notOk(Object.isFrozen(input) || Object.isFrozen(input.tags), 'the original is left as it was')
})
