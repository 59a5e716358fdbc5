/**
 * `ordinalPosition` of columns: unique within a table, and a column created without one goes
 * after the last column (the largest position + 1, as SQL `ADD COLUMN` appends; OpenMetadata
 * and StarRocks number columns 1-based in table order). A position another column of the table
 * holds is refused with 409 `ORDINAL_POSITION_TAKEN` (as a name taken in the parent is 409
 * `DUPLICATE_NAME`), never shifted silently: moving other columns would change entities the
 * client did not name.
 *
 * Concurrency: before reading the table's positions the write locks the table's row in its own
 * transaction (a `replace` that changes nothing: PostgreSQL's row lock, held to commit; the
 * MemoryStore serialises transactions anyway). Two creates in one table then run one after the
 * other, and the second reads the first's column (READ COMMITTED reads what committed before each
 * statement), so they cannot get the same number.
 */
import { withParameters, type Store, type StoredEntity } from 'fastify-platform-api'
import { NoOrdinalPositionLeftError, OrdinalPositionTakenError } from './errors.js'

/** Serialise the writes of columns of `table` until the transaction ends; changes nothing in it. */
async function lockTable (store: Store, tableId: string): Promise<void> {
  const table = await store.get('tables', tableId)
  if (table !== undefined) await store.replace('tables', table, table.version)
}

/**
 * Give `column` its position: the largest of the table's other columns + 1 when it has none;
 * refuse one another column holds. Call inside the write's transaction (a `beforeWrite` hook).
 * @param maxPosition the largest ordinalPosition allowed.
 * @throws ORDINAL_POSITION_TAKEN (409), NO_ORDINAL_POSITION_LEFT (409)
 */
export async function placeColumn (store: Store, column: StoredEntity<{ ordinalPosition?: number }>, previous: StoredEntity<{ ordinalPosition?: number }> | undefined, maxPosition: number): Promise<void> {
  if (column.parentId === null) return
  // A change that keeps the position needs no check.
  if (previous !== undefined && previous.ordinalPosition === column.ordinalPosition) return
  await lockTable(store, column.parentId)
  const others = (await store.list<{ ordinalPosition?: number }>('columns', { parentId: column.parentId, limit: maxPosition + 1 })).items.filter((c) => c.id !== column.id)
  if (column.ordinalPosition === undefined) {
    const last = others.reduce((max, c) => Math.max(max, c.ordinalPosition ?? 0), 0)
    if (last >= maxPosition) throw new NoOrdinalPositionLeftError(String(maxPosition))
    column.ordinalPosition = last + 1
    return
  }
  const holder = others.find((c) => c.ordinalPosition === column.ordinalPosition)
  if (holder !== undefined) throw withParameters(new OrdinalPositionTakenError(String(column.ordinalPosition), holder.name), ['/ordinalPosition', holder.fullyQualifiedName])
}
