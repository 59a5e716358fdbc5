// Tasks: a declared task type run by a TaskRunner with bounded concurrency, stored in the
// store, cancellable, and failed with a reason when the process that ran it stopped.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Type } from '@sinclair/typebox'
import { defineTaskType, MemoryStore, ResourceRegistry, TaskRunner, tasks, type TaskEntity } from '../src/index.js'

async function waitFor (registry: ResourceRegistry, id: string, done: (t: TaskEntity) => boolean): Promise<TaskEntity> {
  for (let i = 0; i < 1000; i++) {
    const task = await registry.store.get<TaskEntity>('tasks', id) as TaskEntity
    if (done(task)) return task
    await sleep(10)
  }
  throw new Error('task did not finish')
}

t.test('runs at most `concurrency` tasks at once; results, progress and errors in the error format', async (t) => {
  let running = 0
  let peak = 0
  const sleepy = defineTaskType({
    type: 'sleepy',
    input: Type.Object({ ms: Type.Integer({ minimum: 0 }), fail: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    async run ({ input, progress }) {
      running++; peak = Math.max(peak, running)
      progress(50)
      await sleep(input.ms)
      running--
      if (input.fail === true) throw Object.assign(new Error('the input was wrong'), { statusCode: 400, code: 'BAD_INPUT', parameters: ['ms'] })
      return { slept: input.ms }
    }
  })
  const registry = new ResourceRegistry(new MemoryStore(), [tasks])
  const runner = new TaskRunner({ types: [sleepy], concurrency: 2, pollIntervalMs: 20 })
  t.teardown(() => runner.close())
  await runner.start(registry)
  const submitted = await Promise.all(Array.from({ length: 5 }, async () => await runner.submit('sleepy', { ms: 40 })))
  t.equal(submitted[0]?.status, 'queued')
  const done = await Promise.all(submitted.map(async (s) => await waitFor(registry, s.id, (x) => x.status === 'succeeded')))
  t.equal(peak, 2, 'never more than 2 at once')
  t.match(done[0], { status: 'succeeded', progress: 100, result: { slept: 40 }, startedAt: /Z$/, finishedAt: /Z$/ })
  const failing = await runner.submit('sleepy', { ms: 1, fail: true })
  const failed = await waitFor(registry, failing.id, (x) => x.status === 'failed')
  t.match(failed.error, { error: 400, reason: 'Bad Request', errorCode: 'BAD_INPUT', detail: 'the input was wrong', parameters: ['ms'] })
  await t.rejects(runner.submit('sleepy', { ms: -1 }), { code: 'INVALID_ATTRIBUTE' }, 'the input is validated against the type\'s schema')
})

t.test('cancel: a queued task at once, a running one through its signal; a finished one is 409', async (t) => {
  const waits = defineTaskType({
    type: 'waits',
    input: Type.Object({}),
    async run ({ signal }) {
      for (let i = 0; i < 2000; i++) { if (signal.aborted) throw new Error('stopped'); await sleep(5) }
      return 'done'
    }
  })
  const registry = new ResourceRegistry(new MemoryStore(), [tasks])
  const runner = new TaskRunner({ types: [waits], concurrency: 1, pollIntervalMs: 20 })
  t.teardown(() => runner.close())
  await runner.start(registry)
  const first = await runner.submit('waits', {})
  const second = await runner.submit('waits', {})
  await waitFor(registry, first.id, (x) => x.status === 'running')
  t.equal((await registry.store.get<TaskEntity>('tasks', second.id))?.status, 'queued', 'run in submission order, one at a time')
  t.equal((await runner.cancel(second.id)).status, 'cancelled', 'queued: cancelled at once')
  t.equal((await runner.cancel(first.id)).status, 'cancelled', 'running: stopped')
  await t.rejects(runner.cancel(first.id), { code: 'TASK_NOT_CANCELLABLE', statusCode: 409 })
})

t.test('durable: a task left running by a process that stopped is failed with a reason; a queued one is run', async (t) => {
  const store = new MemoryStore()
  const registry = new ResourceRegistry(store, [tasks])
  const quick = defineTaskType({ type: 'quick', input: Type.Object({}), async run () { return 1 } })
  const before = new TaskRunner({ types: [quick], concurrency: 1 })
  // A process that stopped: its task is stored as running, with an old heartbeat.
  await before.start(registry)
  await before.close()
  const stale = await before.submit('quick', {})
  const old = new Date(Date.now() - 120_000).toISOString()
  const current = await store.get<TaskEntity>('tasks', stale.id) as TaskEntity
  await store.replace('tasks', { ...current, status: 'running', heartbeatAt: old, startedAt: old, version: current.version + 1 }, current.version)
  const queued = await before.submit('quick', {})
  const after = new TaskRunner({ types: [quick], concurrency: 1, staleAfterMs: 30_000, pollIntervalMs: 20 })
  t.teardown(() => after.close())
  await after.start(registry)
  const failed = await waitFor(registry, stale.id, (x) => x.status === 'failed')
  t.match(failed.error, { errorCode: 'TASK_ABANDONED', error: 500 })
  t.equal((await waitFor(registry, queued.id, (x) => x.status === 'succeeded')).result, 1)
})
