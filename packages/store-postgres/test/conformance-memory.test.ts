import t from 'tap'
import { MemoryStore } from '@platform-api/resources'
import { storeConformance } from './fixtures/conformance.js'

storeConformance(t, 'MemoryStore', async () => ({ store: new MemoryStore() }), {
  // MemoryStore applies a transaction's writes at once and undoes them on failure; its reads
  // do not wait for the write lock, so a reader can see a write that is later rolled back.
  dirtyReads: 'MemoryStore: reads do not wait for a running transaction (reported to the resources owner)'
})
