/**
 * The data the store is seeded with on first start (API-CONTRACT.md, "Starting it"),
 * kept as JSON in `data/` and validated here with TypeBox:
 *
 * - `data/catalog.json`: catalog `default` with databases `tpch` (the 8 TPC-H tables,
 *   TPC-H specification v3 clause 1.4) and `ssb` (the 5 Star Schema Benchmark tables,
 *   column types as in StarRocks' SSB DDL).
 * - `data/integrations.json`: the integrations matrix of
 *   `seeds/yugabyte-platform-api-requirements.txt`.
 *
 * Files are resolved relative to this module (`../data/`), which works from `src/`
 * and from the compiled `dist/` alike.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** `data/catalog.json`, next to `src/` and `dist/`. */
export const CATALOG_SEED_URL = new URL('../data/catalog.json', import.meta.url)

/** `data/integrations.json`, next to `src/` and `dist/`. */
export const INTEGRATIONS_SEED_URL = new URL('../data/integrations.json', import.meta.url)

const Name = Type.String({ minLength: 1, maxLength: 256, pattern: '^\\S(.*\\S)?$' })
const Description = Type.String({ minLength: 1, maxLength: 1024 })

/** A column to seed; its `ordinalPosition` is its 1-based index in {@link SeedTable}'s `columns`. */
export const SeedColumn = Type.Object({
  name: Name,
  dataType: Type.String({ minLength: 1, maxLength: 128 }),
  nullable: Type.Boolean(),
  description: Type.Optional(Description)
}, { additionalProperties: false })
/** A column to seed; its `ordinalPosition` is its 1-based index in {@link SeedTable}'s `columns`. */
export type SeedColumn = Static<typeof SeedColumn>

/** A table to seed, with its columns in order. */
export const SeedTable = Type.Object({
  name: Name,
  tableType: Type.Union([Type.Literal('table'), Type.Literal('view'), Type.Literal('materializedView')]),
  description: Type.Optional(Description),
  columns: Type.Array(SeedColumn, { minItems: 1 })
}, { additionalProperties: false })
/** A table to seed, with its columns in order. */
export type SeedTable = Static<typeof SeedTable>

/** A database to seed, with its tables. */
export const SeedDatabase = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  tables: Type.Array(SeedTable)
}, { additionalProperties: false })
/** A database to seed, with its tables. */
export type SeedDatabase = Static<typeof SeedDatabase>

/** A catalog to seed, with its databases; `type` as in the contract's catalogs collection. */
export const SeedCatalog = Type.Object({
  name: Name,
  type: Type.Union([
    Type.Literal('internal'), Type.Literal('hive'), Type.Literal('iceberg'),
    Type.Literal('hudi'), Type.Literal('deltalake'), Type.Literal('jdbc')
  ]),
  description: Type.Optional(Description),
  databases: Type.Array(SeedDatabase)
}, { additionalProperties: false })
/** A catalog to seed, with its databases; `type` as in the contract's catalogs collection. */
export type SeedCatalog = Static<typeof SeedCatalog>

/** The whole of `data/catalog.json`. */
export const CatalogSeed = Type.Object({
  catalogs: Type.Array(SeedCatalog)
}, { additionalProperties: false })
/** The whole of `data/catalog.json`. */
export type CatalogSeed = Static<typeof CatalogSeed>

/** An integration category, as in the contract's integrations collection. */
export type IntegrationCategory = SeedIntegration['category']
/** Every {@link IntegrationCategory}, in the seed's order. */
export const INTEGRATION_CATEGORIES: readonly IntegrationCategory[] = ['clientDriver', 'orm', 'applicationFramework', 'schemaMigration', 'connector', 'guiClient']

/**
 * One row of the seed's integrations matrix. A client-driver row naming a YSQL and a
 * YCQL driver is two entries; `language`, `api` and `status` are present only where
 * the seed gives them.
 */
export const SeedIntegration = Type.Object({
  name: Name,
  category: Type.Union([
    Type.Literal('clientDriver'), Type.Literal('orm'), Type.Literal('applicationFramework'),
    Type.Literal('schemaMigration'), Type.Literal('connector'), Type.Literal('guiClient')
  ]),
  language: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  api: Type.Optional(Type.Union([Type.Literal('YSQL'), Type.Literal('YCQL')])),
  status: Type.Optional(Type.String({ minLength: 1, maxLength: 64 }))
}, { additionalProperties: false })
/** One row of the seed's integrations matrix (see the schema of the same name). */
export type SeedIntegration = Static<typeof SeedIntegration>

/** The whole of `data/integrations.json`. */
export const IntegrationsSeed = Type.Object({
  integrations: Type.Array(SeedIntegration)
}, { additionalProperties: false })
/** The whole of `data/integrations.json`. */
export type IntegrationsSeed = Static<typeof IntegrationsSeed>

/** Thrown when a seed file is missing, not JSON, breaks its schema or repeats a name within one parent. */
export class SeedDataError extends Error {
  /** Always `SEED_DATA_INVALID`. */
  readonly code = 'SEED_DATA_INVALID'

  /**
   * @param source - the file (or other label) the data came from
   * @param problems - one line per problem, e.g. `/catalogs/0/name: Expected string`
   */
  constructor (source: string, readonly problems: string[]) {
    super(`Invalid seed data in ${source}: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`)
    this.name = 'SeedDataError'
  }
}

function check<T extends TSchema> (schema: T, value: unknown, source: string): Static<T> {
  if (Value.Check(schema, value)) return value
  const problems = [...Value.Errors(schema, value)].map((error) => `${error.path === '' ? '/' : error.path}: ${error.message}`)
  throw new SeedDataError(source, problems)
}

/** The JSON Pointers of items whose `name` repeats an earlier sibling's. */
function duplicateNames (items: readonly { name: string }[], pointer: string): string[] {
  const seen = new Set<string>()
  const problems: string[] = []
  items.forEach((item, index) => {
    if (seen.has(item.name)) problems.push(`${pointer}/${index}/name: duplicate name ${JSON.stringify(item.name)}`)
    seen.add(item.name)
  })
  return problems
}

async function readJson (file: URL | string): Promise<{ value: unknown; source: string }> {
  const source = file instanceof URL ? fileURLToPath(file) : file
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new SeedDataError(source, [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`])
  }
  try {
    return { value: JSON.parse(text), source }
  } catch (error) {
    throw new SeedDataError(source, [`not valid JSON (${(error as Error).message})`])
  }
}

/**
 * Validates catalog seed data: the {@link CatalogSeed} schema (no unknown fields),
 * then unique names per parent (catalogs; databases in a catalog; tables in a
 * database; columns in a table).
 *
 * @param value - parsed JSON
 * @param source - label for error messages
 * @throws {@link SeedDataError} listing every problem (JSON Pointer and message)
 */
export function parseCatalogSeed (value: unknown, source = 'catalog seed'): CatalogSeed {
  const seed = check(CatalogSeed, value, source)
  const problems = duplicateNames(seed.catalogs, '/catalogs')
  seed.catalogs.forEach((catalog, c) => {
    problems.push(...duplicateNames(catalog.databases, `/catalogs/${c}/databases`))
    catalog.databases.forEach((database, d) => {
      problems.push(...duplicateNames(database.tables, `/catalogs/${c}/databases/${d}/tables`))
      database.tables.forEach((table, t) => {
        problems.push(...duplicateNames(table.columns, `/catalogs/${c}/databases/${d}/tables/${t}/columns`))
      })
    })
  })
  if (problems.length > 0) throw new SeedDataError(source, problems)
  return seed
}

/**
 * Validates integrations seed data: the {@link IntegrationsSeed} schema (no unknown
 * fields), unique names, and `api` only on client drivers.
 *
 * @param value - parsed JSON
 * @param source - label for error messages
 * @throws {@link SeedDataError} listing every problem (JSON Pointer and message)
 */
export function parseIntegrationsSeed (value: unknown, source = 'integrations seed'): IntegrationsSeed {
  const seed = check(IntegrationsSeed, value, source)
  const problems = duplicateNames(seed.integrations, '/integrations')
  seed.integrations.forEach((integration, i) => {
    if (integration.api !== undefined && integration.category !== 'clientDriver') {
      problems.push(`/integrations/${i}/api: only client drivers have an api`)
    }
  })
  if (problems.length > 0) throw new SeedDataError(source, problems)
  return seed
}

/**
 * Loads and validates `data/catalog.json` ({@link parseCatalogSeed}).
 *
 * @param file - another file to load instead (a path or `file:` URL), e.g. in tests
 * @throws {@link SeedDataError} when the file cannot be read, is not JSON or is invalid
 */
export async function loadCatalogSeed (file: URL | string = CATALOG_SEED_URL): Promise<CatalogSeed> {
  const { value, source } = await readJson(file)
  return parseCatalogSeed(value, source)
}

/**
 * Loads and validates `data/integrations.json` ({@link parseIntegrationsSeed}).
 *
 * @param file - another file to load instead (a path or `file:` URL), e.g. in tests
 * @throws {@link SeedDataError} when the file cannot be read, is not JSON or is invalid
 */
export async function loadIntegrationsSeed (file: URL | string = INTEGRATIONS_SEED_URL): Promise<IntegrationsSeed> {
  const { value, source } = await readJson(file)
  return parseIntegrationsSeed(value, source)
}
