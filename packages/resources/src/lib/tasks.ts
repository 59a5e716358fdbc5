/**
 * Asynchronous tasks (YugabyteDB seed and StarRocks "202 Accepted ... the response body must
 * include the task URI"; OpenMetadata): work that outlives a request is a declared task type,
 * submitted as a `tasks` entity (`queued`), run by a `TaskRunner` with bounded concurrency,
 * and followed by clients through `GET /tasks/{id}` (`status`, `progress`, `result`, `error`);
 * `DELETE /tasks/{id}` cancels it. Tasks live in the store, so they survive a restart: a task
 * left `running` by a process that stopped is marked `failed` once its heartbeat is stale, and a
 * `queued` one is run by whichever instance picks it first (claimed with the version check).
 */
import { randomUUID } from 'node:crypto'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { attributeError, renderError, type AjvErrorLike } from '@platform-api/envelope'
import { defineResource, type Entity } from './define.js'
import { TaskNotCancellableError, VersionConflictError } from '../errors.js'
import type { ResourceRegistry, ResourceService } from './service.js'
import type { Store, StoredEntity } from './store.js'

/** Where a task is in its life. */
export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

/** The task's error, in the error format (without a request id of its own: the submitting request's). */
export const TaskErrorSchema = Type.Object({
  error: Type.Integer(),
  reason: Type.String(),
  detail: Type.String(),
  errorCode: Type.String(),
  parameters: Type.Optional(Type.Array(Type.Unknown())),
  requestId: Type.String()
}, { additionalProperties: false })

/** The `tasks` resource: read-only for clients, written by the runner. */
export const tasks = defineResource({
  collection: 'tasks',
  name: false,
  permission: 'task',
  // Served by `registerTaskRoutes` (live progress; DELETE cancels), not by the generic routes.
  operations: [],
  fields: Type.Object({}),
  readOnlyFields: Type.Object({
    type: Type.String({ description: 'The task type, e.g. ddlImport' }),
    status: Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
    progress: Type.Integer({ minimum: 0, maximum: 100, description: 'Percent done' }),
    result: Type.Optional(Type.Unknown({ description: 'What the task made, once succeeded' })),
    error: Type.Optional(TaskErrorSchema),
    startedAt: Type.Optional(Type.String({ format: 'date-time' })),
    finishedAt: Type.Optional(Type.String({ format: 'date-time' }))
  }),
  hiddenFields: Type.Object({
    input: Type.Unknown(),
    heartbeatAt: Type.String(),
    cancelRequested: Type.Boolean(),
    requestId: Type.String()
  }),
  filters: ['type', 'status']
})

/** A stored task. */
export type TaskEntity = Entity<typeof tasks>

/** What a task's `run` is given. */
export interface TaskContext<I> {
  /** The validated input given to `submit`. */
  input: I
  /** Aborted when the task is cancelled (or the runner closes): stop, and throw. */
  signal: AbortSignal
  /** Report progress, 0..100 (written to the store at most every `progressIntervalMs`). */
  progress: (percent: number) => void
  /** The registry (its store and services). */
  registry: ResourceRegistry
  /** The task's id. */
  taskId: string
}

/** A declared task type: reusable, named, with the schema of its input. */
export interface TaskType<I = unknown, R = unknown> {
  /** The task type name, e.g. `ddlImport`. */
  type: string
  /** The schema of the input `submit` takes. */
  input: TSchema
  /** Does the work; its resolved value is the task's `result`, a throw its `error`. */
  run: (ctx: TaskContext<I>) => Promise<R>
}

/** Declare a task type. */
export function defineTaskType<S extends TSchema, R> (definition: { type: string, input: S, run: (ctx: TaskContext<Static<S>>) => Promise<R> }): TaskType<Static<S>, R> {
  return definition
}

/** Options of a `TaskRunner`. */
export interface TaskRunnerOptions {
  /** The task types it runs. */
  types: Array<TaskType<any, any>> // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Tasks run at once by this process. Default 2. */
  concurrency?: number
  /** How often queued tasks from elsewhere are looked for, in milliseconds. Default 1000. */
  pollIntervalMs?: number
  /** How often a running task's heartbeat is written, in milliseconds. Default 5000. */
  heartbeatIntervalMs?: number
  /** A running task whose heartbeat is older than this is taken for abandoned (its process stopped) and failed, in milliseconds. Default 30000. */
  staleAfterMs?: number
  /** Smallest interval between two progress writes of a task, in milliseconds. Default 200. */
  progressIntervalMs?: number
}

interface Running { controller: AbortController, progress: number, done: Promise<void> }
type Validate = ((data: unknown) => boolean) & { errors?: AjvErrorLike[] | null }

/** Runs the declared task types over the registry's `tasks` collection. */
export class TaskRunner {
  readonly #types: Map<string, TaskType<unknown, unknown>>
  readonly #options: Required<Omit<TaskRunnerOptions, 'types'>>
  readonly #running = new Map<string, Running>()
  readonly #validators = new Map<string, Validate>()
  #registry: ResourceRegistry | undefined
  #timers: NodeJS.Timeout[] = []
  #closed = false
  #pumping = false

  /** @throws RESOURCES_INVALID_OPTION (as a TypeError) for a bad option. */
  constructor (options: TaskRunnerOptions) {
    this.#types = new Map(options.types.map((t) => [t.type, t as TaskType<unknown, unknown>]))
    this.#options = {
      concurrency: options.concurrency ?? 2,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      progressIntervalMs: options.progressIntervalMs ?? 200
    }
    for (const [k, v] of Object.entries(this.#options)) {
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`TaskRunner: ${k} must be a positive integer`)
    }
  }

  /** The declaration of the `tasks` collection (add it to the registry's definitions). */
  get resource (): typeof tasks { return tasks }

  get #service (): ResourceService<typeof tasks> {
    if (this.#registry === undefined) throw new TypeError('TaskRunner: start(registry) first')
    return this.#registry.service(tasks)
  }

  /** Start running: fail abandoned tasks, run queued ones, poll. Timers are unref()ed. */
  async start (registry: ResourceRegistry): Promise<void> {
    this.#registry = registry
    registry.service(tasks) // throws unless the tasks resource is declared there
    await this.#reclaim()
    const poll = setInterval(() => { void this.#pump() }, this.#options.pollIntervalMs)
    const beat = setInterval(() => { void this.#heartbeat(); void this.#reclaim() }, this.#options.heartbeatIntervalMs)
    poll.unref(); beat.unref()
    this.#timers.push(poll, beat)
    void this.#pump()
  }

  /** Stop taking tasks; cancel the running ones (they end `cancelled`... or `failed` if they cannot stop) and wait for them. */
  async close (): Promise<void> {
    this.#closed = true
    for (const t of this.#timers) clearInterval(t)
    for (const r of this.#running.values()) r.controller.abort(new Error('the server is closing'))
    await Promise.allSettled([...this.#running.values()].map(async (r) => { await r.done }))
  }

  /**
   * Submit a task: stored `queued` (through `options.store` when given, e.g. the transaction of an idempotent request), run as soon as a slot is free.
   * @throws INVALID_ATTRIBUTE (400) when the input does not match the type's schema.
   */
  async submit (type: string, input: unknown, options: { request?: FastifyRequest, store?: Store } = {}): Promise<TaskEntity> {
    const taskType = this.#types.get(type)
    if (taskType === undefined) throw new TypeError(`TaskRunner: unknown task type ${type}`)
    const service = this.#service
    const registry = this.#registry as ResourceRegistry
    let validate = this.#validators.get(type)
    if (validate === undefined) {
      validate = registry.compile({ schema: taskType.input, httpPart: 'body', method: 'POST', url: '' }) as Validate
      this.#validators.set(type, validate)
    }
    if (!validate(input)) throw attributeError(validate.errors ?? [], 'body')
    const id = randomUUID()
    const now = new Date().toISOString()
    const { entity } = await service.create({} as never, {
      context: { task: { id, type, input, now, requestId: options.request?.id ?? id } },
      ...(options.request !== undefined ? { request: options.request } : {}),
      ...(options.store !== undefined ? { store: options.store } : {})
    })
    setImmediate(() => { void this.#pump() })
    return entity
  }

  /** The live progress of a task running in this process (fresher than the store), or undefined. */
  live (id: string): number | undefined {
    return this.#running.get(id)?.progress
  }

  /**
   * Cancel a queued or running task. A queued task is `cancelled` at once; a running one is
   * signalled and awaited (a task on another instance stops at its next heartbeat).
   * @throws ENTITY_NOT_FOUND (404); TASK_NOT_CANCELLABLE (409) when it has finished.
   */
  async cancel (id: string): Promise<TaskEntity> {
    const service = this.#service
    for (let attempt = 0; ; attempt++) {
      const task = await service.get(id)
      if (task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled') throw new TaskNotCancellableError(id, task.status)
      const local = this.#running.get(id)
      if (local !== undefined) {
        local.controller.abort(new Error('cancelled'))
        await local.done
        return await service.get(id)
      }
      try {
        const finished = task.status === 'queued'
        return await this.#write(task, finished ? { status: 'cancelled', finishedAt: new Date().toISOString() } : { cancelRequested: true })
      } catch (err) {
        if ((err as { code?: string }).code !== 'VERSION_CONFLICT' || attempt > 5) throw err
      }
    }
  }

  /** Replace `task` with `changes` if its version is unchanged. @throws VERSION_CONFLICT (409) otherwise. */
  async #write (task: TaskEntity, changes: Partial<TaskEntity>, store: Store = this.#service.store): Promise<TaskEntity> {
    const next = { ...task, ...changes, version: task.version + 1, updatedAt: new Date().toISOString() }
    return await store.replace('tasks', next, task.version)
  }

  /** Apply `changes` to the latest version of a task, retrying on concurrent writes. */
  async #update (id: string, changes: (t: TaskEntity) => Partial<TaskEntity> | undefined): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const task = await this.#service.store.get<TaskEntity>('tasks', id)
      if (task === undefined) return
      const c = changes(task as TaskEntity)
      if (c === undefined) return
      try {
        await this.#write(task as TaskEntity, c)
        return
      } catch (err) {
        if (!(err instanceof VersionConflictError) && (err as { code?: string }).code !== 'VERSION_CONFLICT') throw err
      }
    }
  }

  async #pump (): Promise<void> {
    if (this.#pumping || this.#closed || this.#registry === undefined) return
    this.#pumping = true
    try {
      while (!this.#closed && this.#running.size < this.#options.concurrency) {
        const { items } = await this.#service.store.list<TaskEntity>('tasks', { limit: 20, filter: { status: 'queued' } })
        let claimed = false
        for (const task of items) {
          if (this.#running.size >= this.#options.concurrency) break
          const now = new Date().toISOString()
          try {
            const running = await this.#write(task as TaskEntity, { status: 'running', startedAt: now, heartbeatAt: now })
            this.#run(running)
            claimed = true
          } catch (err) {
            if ((err as { code?: string }).code !== 'VERSION_CONFLICT') throw err // another instance took it
          }
        }
        if (!claimed) break
      }
    } catch {
      // The store is unavailable: the next poll tries again.
    } finally {
      this.#pumping = false
    }
  }

  #run (task: TaskEntity): void {
    const type = this.#types.get(task.type ?? '')
    const controller = new AbortController()
    const state: Running = { controller, progress: 0, done: Promise.resolve() }
    let lastWrite = 0
    let pending: NodeJS.Timeout | undefined
    const writeProgress = (): void => {
      pending = undefined
      lastWrite = Date.now()
      const progress = state.progress
      void this.#update(task.id, (t) => t.status === 'running' && (t.progress ?? 0) < progress ? { progress } : undefined).catch(() => undefined)
    }
    const progress = (percent: number): void => {
      const p = Math.max(0, Math.min(99, Math.floor(percent)))
      if (p <= state.progress) return
      state.progress = p
      if (pending !== undefined) return
      const wait = this.#options.progressIntervalMs - (Date.now() - lastWrite)
      if (wait <= 0) writeProgress()
      else { pending = setTimeout(writeProgress, wait); pending.unref() }
    }
    this.#running.set(task.id, state)
    state.done = (async () => {
      let changes: Partial<TaskEntity>
      try {
        if (type === undefined) throw new TypeError(`unknown task type ${task.type}`)
        const result = await type.run({ input: task.input, signal: controller.signal, progress, registry: this.#registry as ResourceRegistry, taskId: task.id })
        changes = { status: 'succeeded', progress: 100, finishedAt: new Date().toISOString(), ...(result !== undefined ? { result } : {}) }
      } catch (err) {
        changes = controller.signal.aborted
          ? { status: 'cancelled', finishedAt: new Date().toISOString() }
          : { status: 'failed', finishedAt: new Date().toISOString(), error: renderError(err, task.requestId ?? task.id).body }
      }
      if (pending !== undefined) clearTimeout(pending)
      await this.#update(task.id, () => changes).catch(() => undefined)
    })().finally(() => {
      this.#running.delete(task.id)
      setImmediate(() => { void this.#pump() })
    })
  }

  /** Write the heartbeat of this process's running tasks; honour cancellations asked on other instances. */
  async #heartbeat (): Promise<void> {
    for (const [id, state] of this.#running) {
      await this.#update(id, (t) => {
        if (t.cancelRequested) state.controller.abort(new Error('cancelled'))
        return t.status === 'running' ? { heartbeatAt: new Date().toISOString(), progress: Math.max(t.progress ?? 0, state.progress) } : undefined
      }).catch(() => undefined)
    }
  }

  /** Fail the running tasks whose heartbeat is stale: their process stopped. */
  async #reclaim (): Promise<void> {
    try {
      const { items } = await this.#service.store.list<TaskEntity>('tasks', { limit: 100, filter: { status: 'running' } })
      const staleBefore = Date.now() - this.#options.staleAfterMs
      for (const task of items) {
        if (this.#running.has(task.id) || Date.parse(task.heartbeatAt ?? '') >= staleBefore) continue
        await this.#update(task.id, (t) => t.status === 'running' && Date.parse(t.heartbeatAt ?? '') < staleBefore
          ? {
              status: 'failed',
              finishedAt: new Date().toISOString(),
              error: { error: 500, reason: 'Internal Server Error', detail: 'The server running this task stopped before it finished; nothing of it was kept. Submit it again.', errorCode: 'TASK_ABANDONED', requestId: t.requestId ?? t.id }
            }
          : undefined)
      }
    } catch {
      // The store is unavailable: the next heartbeat tries again.
    }
  }
}

let submitted = 0

/** `beforeCreate` of the tasks resource: the runner passes the task through `context`. */
tasks.hooks = {
  beforeCreate: ({ entity, context }) => {
    const task = context?.task as { id: string, type: string, input: unknown, now: string, requestId: string } | undefined
    if (task === undefined) throw new TypeError('tasks are created by TaskRunner.submit')
    entity.id = task.id
    // Sorted by name: submission order (the counter orders tasks of the same millisecond).
    entity.name = `${task.now}_${String(++submitted).padStart(9, '0')}_${task.id}`
    entity.type = task.type
    entity.status = 'queued'
    entity.progress = 0
    entity.input = task.input
    entity.heartbeatAt = task.now
    entity.cancelRequested = false
    entity.requestId = task.requestId
  }
}

/** For the routes: the stored task as answered, with the live progress of this process. */
export function withLiveProgress (runner: TaskRunner, task: StoredEntity): StoredEntity {
  const live = runner.live(task.id)
  return live !== undefined && task.status === 'running' && live > Number(task.progress) ? { ...task, progress: live } : task
}
