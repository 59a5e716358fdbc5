/**
 * DDL import as an asynchronous task (YugabyteDB and StarRocks seeds: 202 Accepted with the
 * task URI): `POST /api/v1/databases/{id}/import` with a script of `CREATE TABLE` statements
 * (`Content-Type: application/sql`) answers 202, `Location: …/tasks/{taskId}`, `Retry-After`,
 * and the task; the task creates every table and its columns in one transaction, or none:
 * a statement that fails is reported with its line and column, progress rises per statement,
 * and a cancellation rolls back what it had done.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { Type } from '@sinclair/typebox'
import { DuplicateNameError, defineTaskType, deriveSchemas, tasks, withParameters, type ActionContext, type ActionResult, type ResourceAction, type StoredEntity } from 'fastify-platform-api'
import { createTable } from './create-table.js'
import { DdlScript } from './ddl.js'
import { UnsupportedSqlError } from './errors.js'

/** Longest script, in statements. */
export const MAX_IMPORT_STATEMENTS = 10_000

/** The `ddlImport` task type: input `{databaseId, sql}`; result the tables made. */
export const ddlImport = defineTaskType({
  type: 'ddlImport',
  input: Type.Object({ databaseId: Type.String({ format: 'uuid' }), sql: Type.String({ maxLength: 1024 * 1024 }) }, { additionalProperties: false }),
  async run ({ input, signal, progress, registry }) {
    const script = new DdlScript(input.sql, MAX_IMPORT_STATEMENTS)
    const database = await registry.get('databases').get(input.databaseId)
    const made = await registry.store.transaction(async (tx) => {
      const out: Array<{ id: string, name: string, fullyQualifiedName: string, columns: number }> = []
      // Each statement is parsed when its turn comes: progress starts at once, and a statement
      // that fails (by line and column) rolls back what the ones before it made.
      for (let index = 0; index < script.length; index++) {
        if (signal.aborted) throw signal.reason ?? new Error('cancelled')
        const declaration = script.parse(index)
        if (declaration.database !== undefined && declaration.database !== database.name) {
          throw withParameters(new UnsupportedSqlError(declaration.line, declaration.column, `the statement names database "${declaration.database}", the import goes to "${database.name}"`), [declaration.line, declaration.column])
        }
        const fullyQualifiedName = `${database.fullyQualifiedName}.${declaration.name}`
        if (await tx.getByName('tables', fullyQualifiedName) !== undefined) {
          if (declaration.ifNotExists) continue
          throw withParameters(new DuplicateNameError('table', `${fullyQualifiedName} (line ${declaration.line}, column ${declaration.column})`), [declaration.line, declaration.column, fullyQualifiedName])
        }
        const { table, columns } = await createTable({ registry }, tx, database as StoredEntity, declaration)
        out.push({ id: table.id, name: table.name, fullyQualifiedName: table.fullyQualifiedName, columns: columns.length })
        progress(((index + 1) / script.length) * 100)
        // Let other requests (and a cancellation) in between statements.
        await yieldToEventLoop()
      }
      return out
    })
    return { database: database.fullyQualifiedName, statements: script.length, tables: made }
  }
})

/** The task as answered (for the 202's response schema). */
const TaskAnswer = deriveSchemas(tasks).entity

/** `POST …/databases/{id}/import`: submit a `ddlImport` task. */
export const importDdl: ResourceAction = {
  name: 'import',
  target: 'item',
  methods: ['POST'],
  access: 'write',
  mediaTypes: ['application/sql'],
  schemes: ['flat'],
  operationId: 'importDatabaseDdl',
  summary: 'Import a DDL script (CREATE TABLE statements) into the database, as a task',
  description: 'YugabyteDB / StarRocks: 202 Accepted with the task URI in Location and Retry-After; all tables or none.',
  responses: { 202: TaskAnswer },
  async handler (ctx: ActionContext): Promise<ActionResult> {
    if (ctx.tasks === undefined) throw new TypeError('import needs the tasks option of this API version')
    const task = await ctx.tasks.submit('ddlImport', { databaseId: (ctx.entity as StoredEntity).id, sql: String(ctx.body) }, { request: ctx.request, store: ctx.store })
    return { statusCode: 202, headers: { location: ctx.href('tasks', task), 'retry-after': '1' }, body: ctx.present('tasks', task as StoredEntity) }
  }
}
