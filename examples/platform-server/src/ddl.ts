/**
 * SQL DDL to declarations: `CREATE TABLE` statements (MySQL / StarRocks dialect) read with a
 * maintained SQL parser (`node-sql-parser`), turned into the table and its columns as the
 * catalog resources declare them. One module for the StarRocks-style
 * `POST /api/v2/catalogs/{c}/databases/{d}/tables/create` and for DDL script imports.
 *
 * Statements are delimited by a small scanner that knows only quotes and comments (it finds
 * `;` outside them); each statement is then parsed on its own by the parser library, so every
 * error names the line and column in the whole script.
 *
 * Supported: column names, types with length or precision (`DECIMAL(15,2)`, `VARCHAR(55)`,
 * `BIGINT UNSIGNED`), `NOT NULL` / `NULL`, `COMMENT '…'` on columns and tables, `PRIMARY KEY`
 * (inline or as a table constraint; its columns are NOT NULL), `UNIQUE` and `KEY` indexes
 * (checked, not stored), `IF NOT EXISTS`, table options (`ENGINE=…`, ignored). Refused with 400:
 * another statement than `CREATE TABLE`, `CREATE TABLE … AS SELECT`, `CREATE TABLE … LIKE`,
 * StarRocks-only clauses the parser does not know (`DUPLICATE KEY`, `DISTRIBUTED BY`,
 * `PROPERTIES`), names outside `[A-Za-z0-9_-]` (1-256 characters), a key on an unknown column,
 * a column declared twice. Unquoted and quoted names alike are folded to lowercase.
 */
import { createRequire } from 'node:module'
import { InvalidSqlError, UnsupportedSqlError } from './errors.js'

interface SqlParser { astify: (sql: string, options: object) => unknown }
let parser: SqlParser | undefined

/**
 * The SQL parser, loaded on first use: node-sql-parser is 2.4 MB of JavaScript that a start
 * does not need (issue 12: startup); the first DDL request pays its loading once.
 */
function sqlParser (): SqlParser {
  if (parser === undefined) {
    const { Parser } = createRequire(import.meta.url)('node-sql-parser') as { Parser: new () => SqlParser }
    parser = new Parser()
  }
  return parser
}
const PARSE_OPTIONS = { database: 'MySQL', parseOptions: { includeLocations: true } }
const NAME = /^[a-z0-9_][a-z0-9_-]{0,255}$/

/** A column as the `columns` resource declares it. */
export interface ColumnDeclaration {
  name: string
  /** SQL type as written, uppercase, e.g. `DECIMAL(15,2)`. */
  dataType: string
  nullable: boolean
  /** 1-based position in the table. */
  ordinalPosition: number
  description?: string
}

/** A table from one `CREATE TABLE` statement. */
export interface TableDeclaration {
  name: string
  /** The database qualifier, when the statement names one (`CREATE TABLE tpch.orders`). */
  database?: string
  description?: string
  ifNotExists: boolean
  columns: ColumnDeclaration[]
  /** 1-based line and column where the statement starts. */
  line: number
  column: number
}

/** One statement of a script, with where it starts. */
export interface Statement { text: string, offset: number }

/** Line and column (1-based) of every offset of a text. */
class Positions {
  readonly #lineStarts: number[] = [0]
  constructor (text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.#lineStarts.push(i + 1)
  }

  at (offset: number): { line: number, column: number } {
    let lo = 0
    let hi = this.#lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.#lineStarts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (this.#lineStarts[lo] as number) + 1 }
  }
}

/**
 * Split a script into statements at `;` outside quotes (`'…'`, `"…"`, `` `…` ``) and comments
 * (`-- …`, `# …`, `/* … *\/`). Statements that hold only white space and comments are dropped.
 * @returns each statement's text and the offset of its first character in `sql`.
 */
export function splitStatements (sql: string): Statement[] {
  const out: Statement[] = []
  let start = 0
  let meaningful = -1
  let i = 0
  const push = (end: number): void => {
    if (meaningful >= 0) out.push({ text: sql.slice(meaningful, end), offset: meaningful })
    meaningful = -1
    start = end + 1
  }
  while (i < sql.length) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === '-' && next === '-') { i = lineEnd(sql, i); continue }
    if (c === '#') { i = lineEnd(sql, i); continue }
    if (c === '/' && next === '*') { const end = sql.indexOf('*/', i + 2); i = end === -1 ? sql.length : end + 2; continue }
    if (c === ';') { push(i); i++; continue }
    if (meaningful < 0 && !/\s/.test(c)) meaningful = i
    if (c === "'" || c === '"' || c === '`') { i = quoteEnd(sql, i, c); continue }
    i++
  }
  if (start < sql.length) push(sql.length)
  return out
}

function lineEnd (sql: string, i: number): number {
  const end = sql.indexOf('\n', i)
  return end === -1 ? sql.length : end + 1
}

/** The offset just past the quote that closes the one at `i` (a doubled quote or a backslash escapes). */
function quoteEnd (sql: string, i: number, quote: string): number {
  let j = i + 1
  while (j < sql.length) {
    const c = sql[j]
    if (c === '\\' && quote !== '`') { j += 2; continue }
    if (c === quote) {
      if (sql[j + 1] === quote) { j += 2; continue }
      return j + 1
    }
    j++
  }
  return sql.length
}

interface ParserError { message?: string, location?: { start?: { line?: number, column?: number, offset?: number } } }
interface ColumnDefinitionAst {
  resource: 'column'
  column: { column: string | { expr?: { value?: string } } }
  definition: { dataType: string, length?: number, scale?: number, parentheses?: boolean, suffix?: string[] | null }
  nullable?: { type: string }
  primary_key?: string
  unique?: string
  comment?: { value?: { value?: string } }
}
interface ConstraintAst { resource: 'constraint' | 'index', constraint_type?: string, definition?: Array<{ column?: string | { expr?: { value?: string } }, loc?: { start: { offset: number } } }> }
interface CreateAst {
  type: string
  keyword?: string
  table?: Array<{ db: string | null, table: string }>
  if_not_exists?: string | null
  query_expr?: unknown
  like?: unknown
  create_definitions?: Array<ColumnDefinitionAst | ConstraintAst> | null
  table_options?: Array<{ keyword: string, value: unknown }> | null
}

function identifier (value: string | { expr?: { value?: string } } | undefined): string {
  return (typeof value === 'string' ? value : value?.expr?.value ?? '').toLowerCase()
}

function typeOf (d: ColumnDefinitionAst['definition']): string {
  let type = d.dataType.toUpperCase()
  if (d.length !== undefined && d.length !== null) type += d.scale !== undefined && d.scale !== null ? `(${d.length},${d.scale})` : `(${d.length})`
  for (const s of d.suffix ?? []) type += ` ${String(s).toUpperCase()}`
  return type
}

function unquote (value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  return value.length >= 2 && (value.startsWith("'") || value.startsWith('"')) ? value.slice(1, -1) : value
}

/**
 * Parse one `CREATE TABLE` statement of a script.
 * @param statement the statement and its offset in `script` (from `splitStatements`).
 * @throws INVALID_SQL (400) when it does not parse; UNSUPPORTED_SQL (400) for what this server does not do. Both name the line and column in `script` and carry them as `parameters`.
 */
export function parseCreateTable (script: string, statement: Statement, positions: Positions = new Positions(script)): TableDeclaration {
  const where = positions.at(statement.offset)
  const unsupported = (what: string, offset = statement.offset): Error => {
    const at = positions.at(offset)
    return Object.assign(new UnsupportedSqlError(at.line, at.column, what), { parameters: [at.line, at.column] })
  }
  let ast: unknown
  try {
    ast = sqlParser().astify(statement.text, PARSE_OPTIONS)
  } catch (err) {
    const relative = (err as ParserError).location?.start?.offset ?? 0
    const at = positions.at(statement.offset + relative)
    const near = statement.text.slice(relative, relative + 24).split('\n', 1)[0]?.trim() ?? ''
    const what = near === '' ? 'unexpected end of the statement' : `unexpected "${near}"`
    throw Object.assign(new InvalidSqlError(at.line, at.column, what), { parameters: [at.line, at.column] })
  }
  const list = Array.isArray(ast) ? ast : [ast]
  if (list.length !== 1) throw unsupported('one statement expected')
  const create = list[0] as CreateAst
  if (create.type !== 'create' || create.keyword !== 'table') throw unsupported(`only CREATE TABLE is supported, not ${String(create.type).toUpperCase()} ${String(create.keyword ?? '').toUpperCase()}`.trim())
  if (create.query_expr != null) throw unsupported('CREATE TABLE … AS SELECT is not supported')
  if (create.like != null) throw unsupported('CREATE TABLE … LIKE is not supported')
  const target = create.table?.[0]
  const name = (target?.table ?? '').toLowerCase()
  if (!NAME.test(name)) throw unsupported(`table name "${target?.table ?? ''}" must be 1-256 letters, digits, "_" or "-"`)
  const columns: ColumnDeclaration[] = []
  const byName = new Map<string, ColumnDeclaration>()
  const keys: Array<{ column: string, offset: number }> = []
  for (const definition of create.create_definitions ?? []) {
    if (definition.resource === 'column') {
      const d = definition
      const columnName = identifier(d.column.column)
      if (!NAME.test(columnName)) throw unsupported(`column name "${columnName}" must be 1-256 letters, digits, "_" or "-"`)
      if (byName.has(columnName)) throw unsupported(`column "${columnName}" is declared twice`)
      const column: ColumnDeclaration = {
        name: columnName,
        dataType: typeOf(d.definition),
        nullable: d.nullable?.type !== 'not null' && d.primary_key === undefined,
        ordinalPosition: columns.length + 1
      }
      const comment = unquote(d.comment?.value?.value)
      if (comment !== undefined && comment !== '') column.description = comment
      columns.push(column)
      byName.set(columnName, column)
    } else {
      for (const part of definition.definition ?? []) {
        const keyColumn = identifier(part.column)
        keys.push({ column: keyColumn, offset: statement.offset + (part.loc?.start.offset ?? 0) })
        if (definition.constraint_type === 'primary key') {
          const target = byName.get(keyColumn)
          if (target !== undefined) target.nullable = false
        }
      }
    }
  }
  if (columns.length === 0) throw unsupported(`table "${name}" has no columns`)
  for (const key of keys) {
    if (!byName.has(key.column)) throw unsupported(`key column "${key.column}" is not a column of "${name}"`, key.offset)
  }
  const table: TableDeclaration = { name, ifNotExists: create.if_not_exists != null, columns, line: where.line, column: where.column }
  if (target?.db !== null && target?.db !== undefined) table.database = target.db.toLowerCase()
  const description = unquote(create.table_options?.find((o) => o.keyword === 'comment')?.value)
  if (description !== undefined && description !== '') table.description = description
  return table
}

/**
 * A DDL script split into statements, parsed one by one on demand (an import parses each in
 * its turn, so progress starts at once). Table names must not repeat.
 */
export class DdlScript {
  readonly #sql: string
  readonly #statements: Statement[]
  readonly #positions: Positions
  readonly #names = new Set<string>()

  /** @throws UNSUPPORTED_SQL (400) for a script without statements or with more than `maxStatements`. */
  constructor (sql: string, maxStatements = 10_000) {
    this.#sql = sql
    this.#statements = splitStatements(sql)
    this.#positions = new Positions(sql)
    if (this.#statements.length === 0) throw Object.assign(new UnsupportedSqlError(1, 1, 'the script holds no statement'), { parameters: [1, 1] })
    if (this.#statements.length > maxStatements) throw Object.assign(new UnsupportedSqlError(1, 1, `the script holds ${this.#statements.length} statements; at most ${maxStatements}`), { parameters: [1, 1] })
  }

  /** Number of statements. */
  get length (): number { return this.#statements.length }

  /** Parse statement `index` (0-based). @throws INVALID_SQL / UNSUPPORTED_SQL (400) naming line and column. */
  parse (index: number): TableDeclaration {
    const table = parseCreateTable(this.#sql, this.#statements[index] as Statement, this.#positions)
    if (this.#names.has(table.name)) throw Object.assign(new UnsupportedSqlError(table.line, table.column, `table "${table.name}" is created twice`), { parameters: [table.line, table.column] })
    this.#names.add(table.name)
    return table
  }
}

/**
 * Parse a DDL script: every statement must be a supported `CREATE TABLE`.
 * @param maxStatements refuse longer scripts (400) before parsing any.
 * @throws INVALID_SQL / UNSUPPORTED_SQL (400) for the first statement that fails, naming its line and column.
 */
export function parseDdlScript (sql: string, maxStatements = 10_000): TableDeclaration[] {
  const script = new DdlScript(sql, maxStatements)
  return Array.from({ length: script.length }, (_, i) => script.parse(i))
}

/**
 * Parse exactly one `CREATE TABLE` statement (the StarRocks `tables/create` action).
 * @throws INVALID_SQL / UNSUPPORTED_SQL (400), also when the body holds more or fewer than one statement.
 */
export function parseOneCreateTable (sql: string): TableDeclaration {
  const statements = splitStatements(sql)
  if (statements.length !== 1) {
    const at = statements[1] !== undefined ? new Positions(sql).at(statements[1].offset) : { line: 1, column: 1 }
    throw Object.assign(new UnsupportedSqlError(at.line, at.column, `exactly one CREATE TABLE statement expected, got ${statements.length}`), { parameters: [at.line, at.column] })
  }
  return parseCreateTable(sql, statements[0] as Statement)
}
