/**
 * The routes of the `tasks` collection: list and get with the live progress of the tasks this
 * process runs, and DELETE that cancels a queued or running task (API-CONTRACT.md: "tasks …
 * DELETE cancels").
 */
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { ListResponseSchema } from '@platform-api/pagination'
import { etagOf } from './conditional.js'
import type { EntityPresenter } from './links.js'
import type { ResourceService } from './service.js'
import type { StoredEntity } from './store.js'
import { TASK_TYPE_PATTERN, withLiveProgress, type TaskRunner } from './tasks.js'

const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false })

/** Register `GET /tasks`, `GET /tasks/{id}`, `DELETE /tasks/{id}` for `runner`. */
export function registerTaskRoutes (fastify: FastifyInstance, runner: TaskRunner, service: ResourceService, presenter: EntityPresenter, operationIdPrefix: string): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const responses = fastify.envelope.responses
  const entity = service.schemas.entity
  const op = (name: string): string => operationIdPrefix === '' ? name : `${operationIdPrefix}${name.charAt(0).toUpperCase()}${name.slice(1)}`
  const filters = Type.Object({
    ...fastify.pagination.querySchema.properties,
    type: Type.Optional(Type.String({ maxLength: 64, pattern: TASK_TYPE_PATTERN })),
    status: Type.Optional(Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s))))
  }, { additionalProperties: false })
  app.get('/tasks', {
    schema: { operationId: op('listTasks'), summary: 'List tasks', description: 'Asynchronous work (202 Accepted): status, progress, result, error.', tags: ['tasks'], querystring: filters, response: responses({ 200: ListResponseSchema(entity, app.pagination.maxLimit) }) },
    config: { permission: 'task:read' }
  }, async (request) => {
    const { type, status, ...paging } = request.query
    const page = fastify.pagination.parse(paging)
    const result = await service.list(page, { ...(type !== undefined ? { type } : {}), ...(status !== undefined ? { status } : {}) })
    const first = result.items[0]
    const last = result.items.at(-1)
    return {
      data: result.items.map((t) => presenter.present(withLiveProgress(runner, t))),
      paging: {
        before: result.hasBefore && first !== undefined ? fastify.pagination.cursor([first.fullyQualifiedName]) : null,
        after: result.hasAfter && last !== undefined ? fastify.pagination.cursor([last.fullyQualifiedName]) : null,
        total: result.total
      }
    }
  })
  app.get('/tasks/:id', {
    schema: { operationId: op('getTask'), summary: 'Get a task', description: 'Poll it until status is succeeded, failed or cancelled; Retry-After says when to look again.', tags: ['tasks'], params: IdParams, response: responses({ 200: entity }) },
    config: { permission: 'task:read' }
  }, async (request, reply) => {
    const task = withLiveProgress(runner, await service.get(request.params.id))
    reply.header('etag', etagOf(task))
    if (task.status === 'queued' || task.status === 'running') reply.header('retry-after', '1')
    return presenter.present(task)
  })
  app.delete('/tasks/:id', {
    schema: { operationId: op('cancelTask'), summary: 'Cancel a task', description: 'Cancels a queued or running task (409 TASK_NOT_CANCELLABLE once it has finished); answers the task.', tags: ['tasks'], params: IdParams, response: responses({ 200: entity }) },
    config: { permission: 'task:write' }
  }, async (request) => {
    return presenter.present(await runner.cancel(request.params.id) as StoredEntity)
  })
}
