import { join } from 'node:path'
import t from 'tap'
import {
  INTEGRATION_CATEGORIES, SeedDataError, loadCatalogSeed, loadIntegrationsSeed, parseCatalogSeed, parseIntegrationsSeed,
  type SeedDatabase, type SeedTable
} from '../src/seed-data.js'

const catalogSeed = await loadCatalogSeed()
const integrationsSeed = await loadIntegrationsSeed()

function database (name: string): SeedDatabase {
  const found = catalogSeed.catalogs.find((c) => c.name === 'default')?.databases.find((d) => d.name === name)
  if (found === undefined) throw new Error(`database ${name} not in the seed`)
  return found
}

function table (db: string, name: string): SeedTable {
  const found = database(db).tables.find((tb) => tb.name === name)
  if (found === undefined) throw new Error(`table ${db}.${name} not in the seed`)
  return found
}

/** `name dataType` of every column, in order. */
function columns (db: string, name: string): string[] {
  return table(db, name).columns.map((c) => `${c.name} ${c.dataType}`)
}

t.test('contract "Starting it": catalog default holds databases tpch and ssb, 13 tables', async (t) => {
  t.same(catalogSeed.catalogs.map((c) => [c.name, c.type]), [['default', 'internal']])
  t.same(catalogSeed.catalogs[0]?.databases.map((d) => d.name), ['tpch', 'ssb'])
  t.equal(catalogSeed.catalogs.flatMap((c) => c.databases.flatMap((d) => d.tables)).length, 13)
  for (const db of catalogSeed.catalogs.flatMap((c) => c.databases)) {
    t.ok(db.description, `${db.name} has a description`)
    for (const tb of db.tables) {
      t.equal(tb.tableType, 'table')
      t.ok(tb.description, `${db.name}.${tb.name} has a description`)
      t.ok(tb.columns.every((c) => !c.nullable), `${db.name}.${tb.name}: every column NOT NULL`)
    }
  }
})

t.test('TPC-H v3 clause 1.4: 8 tables, 61 columns', async (t) => {
  const tpch = database('tpch')
  t.same(tpch.tables.map((tb) => tb.name), ['part', 'supplier', 'partsupp', 'customer', 'orders', 'lineitem', 'nation', 'region'])
  t.same(Object.fromEntries(tpch.tables.map((tb) => [tb.name, tb.columns.length])),
    { part: 9, supplier: 7, partsupp: 5, customer: 8, orders: 9, lineitem: 16, nation: 4, region: 3 })
  t.equal(tpch.tables.reduce((sum, tb) => sum + tb.columns.length, 0), 61)

  t.same(columns('tpch', 'lineitem'), [
    'l_orderkey INTEGER', 'l_partkey INTEGER', 'l_suppkey INTEGER', 'l_linenumber INTEGER',
    'l_quantity DECIMAL(15,2)', 'l_extendedprice DECIMAL(15,2)', 'l_discount DECIMAL(15,2)', 'l_tax DECIMAL(15,2)',
    'l_returnflag CHAR(1)', 'l_linestatus CHAR(1)', 'l_shipdate DATE', 'l_commitdate DATE', 'l_receiptdate DATE',
    'l_shipinstruct CHAR(25)', 'l_shipmode CHAR(10)', 'l_comment VARCHAR(44)'
  ])
  t.same(columns('tpch', 'part'), [
    'p_partkey INTEGER', 'p_name VARCHAR(55)', 'p_mfgr CHAR(25)', 'p_brand CHAR(10)', 'p_type VARCHAR(25)',
    'p_size INTEGER', 'p_container CHAR(10)', 'p_retailprice DECIMAL(15,2)', 'p_comment VARCHAR(23)'
  ])
  t.same(columns('tpch', 'orders'), [
    'o_orderkey INTEGER', 'o_custkey INTEGER', 'o_orderstatus CHAR(1)', 'o_totalprice DECIMAL(15,2)', 'o_orderdate DATE',
    'o_orderpriority CHAR(15)', 'o_clerk CHAR(15)', 'o_shippriority INTEGER', 'o_comment VARCHAR(79)'
  ])
  t.same(columns('tpch', 'region'), ['r_regionkey INTEGER', 'r_name CHAR(25)', 'r_comment VARCHAR(152)'])
  const dataTypes = new Set(tpch.tables.flatMap((tb) => tb.columns.map((c) => c.dataType.replace(/\(.*\)$/, ''))))
  t.same([...dataTypes].sort(), ['CHAR', 'DATE', 'DECIMAL', 'INTEGER', 'VARCHAR'], 'only the spec\'s types, mapped to SQL')
})

t.test('Star Schema Benchmark: 5 tables, StarRocks DDL types', async (t) => {
  const ssb = database('ssb')
  t.same(ssb.tables.map((tb) => tb.name), ['lineorder', 'customer', 'supplier', 'part', 'dates'])
  t.same(Object.fromEntries(ssb.tables.map((tb) => [tb.name, tb.columns.length])),
    { lineorder: 17, customer: 8, supplier: 7, part: 9, dates: 17 })
  t.same(table('ssb', 'lineorder').columns.map((c) => c.name), [
    'lo_orderkey', 'lo_linenumber', 'lo_custkey', 'lo_partkey', 'lo_suppkey', 'lo_orderdate', 'lo_orderpriority',
    'lo_shippriority', 'lo_quantity', 'lo_extendedprice', 'lo_ordtotalprice', 'lo_discount', 'lo_revenue',
    'lo_supplycost', 'lo_tax', 'lo_commitdate', 'lo_shipmode'
  ])
  t.same(table('ssb', 'part').columns.map((c) => c.name),
    ['p_partkey', 'p_name', 'p_mfgr', 'p_category', 'p_brand1', 'p_color', 'p_type', 'p_size', 'p_container'])
  const dates = table('ssb', 'dates')
  t.equal(dates.columns[0]?.name, 'd_datekey')
  t.equal(dates.columns.at(-1)?.name, 'd_weekdayfl')
  t.match(dates.description, /date/i)
  t.same(columns('ssb', 'customer'), [
    'c_custkey INT', 'c_name VARCHAR(26)', 'c_address VARCHAR(41)', 'c_city VARCHAR(11)', 'c_nation VARCHAR(16)',
    'c_region VARCHAR(13)', 'c_phone VARCHAR(16)', 'c_mktsegment VARCHAR(11)'
  ])
})

t.test('names are unique per parent', async (t) => {
  const unique = (names: string[]): boolean => new Set(names).size === names.length
  t.ok(unique(catalogSeed.catalogs.map((c) => c.name)))
  for (const catalog of catalogSeed.catalogs) {
    t.ok(unique(catalog.databases.map((d) => d.name)), `databases of ${catalog.name}`)
    for (const db of catalog.databases) {
      t.ok(unique(db.tables.map((tb) => tb.name)), `tables of ${db.name}`)
      for (const tb of db.tables) t.ok(unique(tb.columns.map((c) => c.name)), `columns of ${db.name}.${tb.name}`)
    }
  }
  t.ok(unique(integrationsSeed.integrations.map((i) => i.name)), 'integration names')
})

t.test('contract "Starting it": the integrations matrix of the YugabyteDB requirements seed', async (t) => {
  const byName = new Map(integrationsSeed.integrations.map((i) => [i.name, i]))
  const categories = new Set(integrationsSeed.integrations.map((i) => i.category))
  t.same([...categories].sort(), [...INTEGRATION_CATEGORIES].sort(), 'all six categories')
  t.equal(integrationsSeed.integrations.length, 33)

  for (const name of ['psycopg2', 'pg', 'pgx', 'pq', 'libpq', 'Npgsql', 'Postgrex']) {
    t.match(byName.get(name), { category: 'clientDriver', api: 'YSQL' }, `${name} is a YSQL client driver`)
  }
  t.match(byName.get('PostgreSQL JDBC'), { category: 'clientDriver', language: 'Java', api: 'YSQL', status: 'Done' })
  t.match(byName.get('cassandra-driver-core-yb'), { category: 'clientDriver', language: 'Java', api: 'YCQL', status: 'Done' })
  t.match(byName.get('Npgsql'), { language: 'C# (.NET)' })
  t.match(byName.get('pgx'), { language: 'Go' })
  t.match(byName.get('TypeORM'), { category: 'orm', language: 'JavaScript' })
  t.match(byName.get('Sequalize'), { category: 'orm', status: 'Done' }, 'the seed\'s spelling is kept')
  t.match(byName.get('Django'), { category: 'orm', language: 'Python', status: 'Done' })
  t.match(byName.get('SQLAlchemy'), { category: 'orm', language: 'Python', status: 'Beta' })
  t.match(byName.get('Spring JDBC'), { category: 'applicationFramework' })
  for (const name of ['Flyway', 'Liquibase', 'SchemaHero']) t.match(byName.get(name), { category: 'schemaMigration' }, name)
  for (const name of ['Kafka', 'Spark']) t.match(byName.get(name), { category: 'connector' }, name)
  for (const name of ['DBeaver', 'TablePlus']) t.match(byName.get(name), { category: 'guiClient' }, name)
  t.notOk('status' in (byName.get('TypeORM') ?? {}), 'no status where the seed gives none')
  t.notOk('language' in (byName.get('Flyway') ?? {}), 'no language where the seed gives none')
  t.ok(integrationsSeed.integrations.every((i) => i.name === i.name.trim()), 'names are trimmed')
})

t.test('invalid seed data is rejected with every problem listed', async (t) => {
  const column = { name: 'id', dataType: 'INTEGER', nullable: false }
  const valid = { catalogs: [{ name: 'c', type: 'internal', databases: [{ name: 'd', tables: [{ name: 't', tableType: 'table', columns: [column] }] }] }] }
  t.same(parseCatalogSeed(valid), valid)

  t.throws(() => parseCatalogSeed({ catalogs: [{ ...valid.catalogs[0], type: 'oracle' }] }), SeedDataError)
  t.throws(() => parseCatalogSeed({ catalogs: [{ ...valid.catalogs[0], owner: 'x' }] }), { code: 'SEED_DATA_INVALID', message: /\/catalogs\/0\/owner/ })
  const duplicateColumn = structuredClone(valid)
  duplicateColumn.catalogs[0]!.databases[0]!.tables[0]!.columns.push({ ...column })
  t.throws(() => parseCatalogSeed(duplicateColumn, 'x.json'),
    { message: /^Invalid seed data in x\.json: \/catalogs\/0\/databases\/0\/tables\/0\/columns\/1\/name: duplicate name "id"/ })
  const duplicateTable = structuredClone(valid)
  duplicateTable.catalogs[0]!.databases[0]!.tables.push(structuredClone(valid.catalogs[0]!.databases[0]!.tables[0]!))
  t.throws(() => parseCatalogSeed(duplicateTable), { message: /tables\/1\/name: duplicate name "t"/ })

  t.throws(() => parseIntegrationsSeed({ integrations: [{ name: 'x', category: 'driver' }] }), { message: /\/integrations\/0\/category/ })
  t.throws(() => parseIntegrationsSeed({ integrations: [{ name: 'x', category: 'orm' }, { name: 'x', category: 'orm' }] }),
    { message: /duplicate name "x"/ })
  t.throws(() => parseIntegrationsSeed({ integrations: [{ name: 'x', category: 'orm', api: 'YSQL' }] }), { message: /only client drivers/ })
  t.throws(() => parseIntegrationsSeed({ integrations: [{ name: 'x', category: 'clientDriver', api: 'SQL' }] }), { message: /\/integrations\/0\/api/ })
})

t.test('unreadable or non-JSON files are SeedDataErrors naming the file', async (t) => {
  const dir = t.testdir({ 'broken.json': '{ "catalogs": [' })
  await t.rejects(loadCatalogSeed(join(dir, 'broken.json')), { code: 'SEED_DATA_INVALID', message: /broken\.json: not valid JSON/ })
  await t.rejects(loadIntegrationsSeed(join(dir, 'missing.json')), { message: /missing\.json: cannot read the file \(ENOENT\)/ })
})
