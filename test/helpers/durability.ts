/**
 * The durability check of issue 7, shared by `durability-pglite.test.ts` and
 * `durability-postgres.test.ts`: the example server is killed with SIGKILL during a write
 * load; after a restart on the same data every write that was answered 2xx is there and no
 * write that was refused.
 */
import type { Test } from 'tap'
import { DigestClient } from './digest-client.js'
import { startServer, type RunningServer } from './server.js'

export const OWNER = 'durableowner'
export const SECRET = '0b8f2a8e-3c1d-4e5f-9a6b-7c8d9e0f1a2b'
/** Start timeout of the server, in milliseconds (a first start creates and seeds the database). */
export const START_MS = 90_000
const WORKERS = 6
const LOAD_MS = 2500

type Outcome = 'acked' | 'refused' | 'unknown'

interface Ledger {
  /** name -> outcome of its create (type 'hive'). */
  created: Map<string, Outcome>
  /** name -> outcome of its delete. */
  deleted: Map<string, Outcome>
  /** name -> outcome of a duplicate create with type 'jdbc' (must be refused with 409). */
  duplicates: Map<string, Outcome>
  /** name -> outcome of a merge patch setting description 'patched'. */
  patched: Map<string, Outcome>
}

async function writeLoad (server: RunningServer, stopAt: () => boolean): Promise<Ledger> {
  const ledger: Ledger = { created: new Map(), deleted: new Map(), duplicates: new Map(), patched: new Map() }
  const outcome = (status: number | undefined): Outcome => status === undefined ? 'unknown' : status >= 200 && status < 300 ? 'acked' : 'refused'
  const worker = async (w: number): Promise<void> => {
    const client = new DigestClient(server.origin, OWNER, SECRET)
    const mine: Array<{ name: string, id: string }> = []
    for (let i = 0; !stopAt(); i++) {
      const name = `w${w}n${i}`
      let status: number | undefined
      let id: string | undefined
      try {
        const res = await client.request('POST', '/api/v1/catalogs', { name, type: 'hive' })
        status = res.status
        id = res.json?.id
      } catch { status = undefined }
      ledger.created.set(name, outcome(status))
      if (status === 201 && id !== undefined) mine.push({ name, id })
      if (status === undefined) return
      const step = i % 4
      const target = mine[Math.floor(mine.length / 2)]
      if (step === 1 && target !== undefined) {
        let s: number | undefined
        try { s = (await client.request('POST', '/api/v1/catalogs', { name: target.name, type: 'jdbc' })).status } catch { s = undefined }
        ledger.duplicates.set(target.name, s === 409 ? 'refused' : outcome(s))
      } else if (step === 2 && target !== undefined && !ledger.patched.has(target.name) && !ledger.deleted.has(target.name)) {
        let s: number | undefined
        try { s = (await client.request('PATCH', `/api/v1/catalogs/${target.id}`, { description: 'patched' }, { 'content-type': 'application/merge-patch+json' })).status } catch { s = undefined }
        ledger.patched.set(target.name, outcome(s))
      } else if (step === 3 && mine.length > 2) {
        const victim = mine.shift()!
        if (ledger.patched.has(victim.name)) continue
        let s: number | undefined
        try { s = (await client.request('DELETE', `/api/v1/catalogs/${victim.id}`)).status } catch { s = undefined }
        ledger.deleted.set(victim.name, outcome(s))
        if (s === undefined) return
      }
    }
  }
  await Promise.all(Array.from({ length: WORKERS }, async (_, w) => { await worker(w) }))
  return ledger
}

function count (m: Map<string, Outcome>, o: Outcome): number { return [...m.values()].filter((v) => v === o).length }

/** Start the server with `env`, load it with writes, SIGKILL it, restart it and check every write. */
export async function killDuringLoad (t: Test, env: Record<string, string>): Promise<void> {
  const first = await startServer(env, START_MS)
  let killed = false
  let acked = 0
  const load = writeLoad(first, () => killed)
  const exited = new Promise<string | null>((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)))
  await new Promise((resolve) => setTimeout(resolve, LOAD_MS))
  first.child.kill('SIGKILL')
  killed = true
  t.equal(await exited, 'SIGKILL', 'the server died by SIGKILL, mid-load')
  const ledger = await load
  acked = count(ledger.created, 'acked')
  t.ok(acked > 20, `the load got ${acked} creates answered 201 before the kill`)

  const second = await startServer(env, START_MS)
  t.teardown(async () => { await second.stop() })
  const client = new DigestClient(second.origin, OWNER, SECRET)
  const missing: string[] = []
  const resurrected: string[] = []
  const wrong: string[] = []
  for (const [name, o] of ledger.created) {
    const res = await client.request('GET', `/api/v1/catalogs/name/${name}`)
    const del = ledger.deleted.get(name)
    if (del === 'acked') {
      if (res.status !== 404) resurrected.push(name)
      continue
    }
    if (o === 'acked' && del === undefined && res.status !== 200) missing.push(name)
    if (o === 'refused' && res.status !== 404) wrong.push(`${name}: refused create is there`)
    if (res.status === 200) {
      if (res.json.type !== 'hive') wrong.push(`${name}: type ${String(res.json.type)} (a refused duplicate wrote)`)
      const p = ledger.patched.get(name)
      if (p === 'acked' && res.json.description !== 'patched') wrong.push(`${name}: acknowledged patch lost`)
      if (p === 'refused' && res.json.description === 'patched') wrong.push(`${name}: refused patch applied`)
      if (p === undefined && res.json.description !== undefined) wrong.push(`${name}: description without a patch`)
    }
  }
  t.same(missing, [], 'every create answered 201 survived the SIGKILL')
  t.same(resurrected, [], 'every delete answered 200 stayed deleted')
  t.same(wrong, [], 'no refused write is visible; every acknowledged patch is')
  t.comment(`figures: ${acked} creates acknowledged, ${count(ledger.created, 'unknown')} in flight at the kill; ` +
    `${count(ledger.deleted, 'acked')} deletes, ${count(ledger.patched, 'acked')} patches acknowledged; ` +
    `${count(ledger.duplicates, 'refused')} duplicates refused with 409`)
  const tables = await client.request('GET', '/api/v1/tables?limit=1')
  t.equal(tables.json?.paging?.total, 13, 'the seed is there once (not repeated by the restart)')
}

