/**
 * StarRocks "Selection of HTTP Method": `POST …/databases/{database}/tables/create` with a
 * `CREATE TABLE` statement (`Content-Type: application/sql`) creates the table and its columns
 * in one transaction; an existing table is 409 `DUPLICATE_NAME`. `PUT` on the same path is
 * "CREATE IF NOT EXISTS": an existing table is answered 200, unchanged (so is a statement that
 * says `IF NOT EXISTS`). The answer is the table with its columns and, on 201, its `Location`.
 */
import { DuplicateNameError, withParameters, type ActionContext, type ActionResult, type ResourceAction, type StoredEntity } from 'fastify-platform-api'
import { parseOneCreateTable, type TableDeclaration } from './ddl.js'
import { UnsupportedSqlError } from './errors.js'

/**
 * Create a table and its columns from a declaration, inside `ctx`'s transaction store `tx`.
 * @returns the stored table and columns.
 */
export async function createTable (ctx: Pick<ActionContext, 'registry'> & { request?: ActionContext['request'] }, tx: ActionContext['registry']['store'], database: StoredEntity, declaration: TableDeclaration): Promise<{ table: StoredEntity, columns: StoredEntity[] }> {
  const tables = ctx.registry.get('tables')
  const columnService = ctx.registry.get('columns')
  const { entity: table } = await tables.create(tables.validateCreate({
    name: declaration.name,
    database: database.fullyQualifiedName,
    ...(declaration.description !== undefined ? { description: declaration.description } : {})
  }), { store: tx, ...(ctx.request !== undefined ? { request: ctx.request } : {}) })
  const columns: StoredEntity[] = []
  for (const column of declaration.columns) {
    const { entity } = await columnService.create(columnService.validateCreate({
      name: column.name,
      table: table.fullyQualifiedName,
      dataType: column.dataType,
      nullable: column.nullable,
      ordinalPosition: column.ordinalPosition,
      ...(column.description !== undefined ? { description: column.description } : {})
    }), { store: tx, ...(ctx.request !== undefined ? { request: ctx.request } : {}) })
    columns.push(entity)
  }
  return { table, columns }
}

function answer (ctx: ActionContext, table: StoredEntity, columns: StoredEntity[]): Record<string, unknown> {
  const ordered = [...columns].sort((a, b) => Number(a.ordinalPosition) - Number(b.ordinalPosition))
  return { ...ctx.present('tables', table), columns: ordered.map((c) => ctx.present('columns', c, { omitParent: true })) }
}

/** The `tables/create` action (nested path scheme: the database comes from the path). */
export const createTableFromSql: ResourceAction = {
  name: 'create',
  target: 'collection',
  methods: ['POST', 'PUT'],
  access: 'write',
  mediaTypes: ['application/sql'],
  schemes: ['nested'],
  summary: 'Create a table and its columns from one CREATE TABLE statement (POST; PUT: create if not exists)',
  responses: { 200: 'entity', 201: 'entity' },
  async handler (ctx: ActionContext): Promise<ActionResult> {
    const declaration = parseOneCreateTable(String(ctx.body))
    const database = ctx.parent as StoredEntity
    if (declaration.database !== undefined && declaration.database !== database.name) {
      throw withParameters(new UnsupportedSqlError(declaration.line, declaration.column, `the statement names database "${declaration.database}", the path "${database.name}"`), [declaration.line, declaration.column])
    }
    const fullyQualifiedName = `${database.fullyQualifiedName}.${declaration.name}`
    return await ctx.store.transaction(async (tx): Promise<ActionResult> => {
      const existing = await tx.getByName('tables', fullyQualifiedName)
      if (existing !== undefined) {
        if (ctx.method === 'PUT' || declaration.ifNotExists) {
          const { items } = await tx.list('columns', { parentId: existing.id, limit: 1000 })
          return { statusCode: 200, body: answer(ctx, existing, items) }
        }
        throw withParameters(new DuplicateNameError('table', fullyQualifiedName), [fullyQualifiedName])
      }
      const { table, columns } = await createTable(ctx, tx, database, declaration)
      return { statusCode: 201, headers: { location: ctx.href('tables', table) }, body: answer(ctx, table, columns) }
    })
  }
}
