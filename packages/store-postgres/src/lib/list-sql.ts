/**
 * The statements of `Store.list`, built from a fixed set of fragments: everything that comes
 * from a request (collection, parent id, filter names and values, cursor keys, limit,
 * offset) travels as a parameter, never inside the SQL text.
 */
import type { ListQuery } from '@platform-api/resources'

/** A statement and its parameters. */
export interface Statement { text: string, values: unknown[] }

/** The WHERE clause shared by a page, its count and its neighbour checks. */
export function whereOf (collection: string, query: ListQuery): Statement {
  const values: unknown[] = [collection]
  const parts = ['collection = $1']
  if (query.parentId !== undefined) {
    values.push(query.parentId)
    parts.push(`parent_id = $${values.length}::uuid`)
  }
  const filter = query.filter === undefined ? [] : Object.entries(query.filter)
  if (filter.length > 0) {
    // Containment uses the GIN index; the per-field equality keeps exact semantics
    // (a filter value never matches inside an array).
    values.push(JSON.stringify(Object.fromEntries(filter)))
    parts.push(`doc @> $${values.length}::jsonb`)
    for (const [field, value] of filter) {
      values.push(field, JSON.stringify(value))
      parts.push(`doc -> $${values.length - 1}::text = $${values.length}::jsonb`)
    }
  }
  return { text: parts.join(' AND '), values }
}

/** `where` plus one more condition with one more parameter. */
export function and (where: Statement, condition: (param: string) => string, value: unknown): Statement {
  const values = [...where.values, value]
  return { text: `${where.text} AND ${condition(`$${values.length}`)}`, values }
}
