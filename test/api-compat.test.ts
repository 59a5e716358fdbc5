/**
 * The compatibility guard of each API version (issue 14, YugabyteDB seed: "Responses for the same
 * API version will not remove any field from the JSON output"): the OpenAPI document the code
 * generates now, compared with the snapshot committed under api/ (`npm run api:snapshot`). Any
 * breaking change fails with its JSON Pointer into the snapshot; additions pass and are printed
 * as comments, as is a snapshot that is stale (see docs/compatibility.md for why stale passes).
 *
 * The scratch tests copy the example server's sources, edit the `tables` declaration in
 * resources.ts, and generate the documents from the copy: the same generator, the same routes.
 */
import t from 'tap'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compareApiDocuments, formatBreakingChanges, type OpenApiDocument } from 'fastify-platform-api'
import { API_VERSIONS, apiDocuments, snapshotFile, snapshotText } from '../examples/platform-server/src/api-documents.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const EXAMPLE = join(ROOT, 'examples/platform-server')

const TABLE_TYPE_LINE = "    tableType: Type.Union(['table', 'view', 'materializedView'].map((t) => Type.Literal(t)), { default: 'table' }),\n"
const TABLE_FILTERS_LINE = "  filters: ['tableType'],\n"
const TABLE_ID_200 = '/paths/~1api~1v1~1tables~1{id}/get/responses/200/content/application~1json/schema'
const V2_TABLE_200 = '/paths/~1api~1v2~1catalogs~1{catalog}~1databases~1{database}~1tables~1{table}/get/responses/200/content/application~1json/schema/properties/result'

async function snapshot (version: string): Promise<{ text: string, document: OpenApiDocument }> {
  const text = await readFile(join(ROOT, snapshotFile(version)), 'utf8')
  return { text, document: JSON.parse(text) as OpenApiDocument }
}

/**
 * The documents of a copy of the example server's sources whose resources.ts went through
 * `edit`. The copy sits inside the example (so its imports resolve as the original's do) and is
 * removed in teardown.
 */
async function documentsOfScratchCopy (t: { teardown: (fn: () => unknown) => void }, edit: (resources: string) => string): Promise<Record<string, OpenApiDocument>> {
  const dir = await mkdtemp(join(EXAMPLE, '.compat-scratch-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(join(EXAMPLE, 'src'), dir, { recursive: true })
  const file = join(dir, 'resources.ts')
  await writeFile(file, edit(await readFile(file, 'utf8')))
  const scratch = await import(pathToFileURL(join(dir, 'api-documents.ts')).href) as { apiDocuments: typeof apiDocuments }
  return await scratch.apiDocuments()
}

/** `source` with `find` (which must occur exactly once inside the `tables` declaration) replaced. */
function inTables (source: string, find: string, replace: string): string {
  const start = source.indexOf('export const tables = defineResource({')
  const end = source.indexOf('\n})\n', start)
  const block = source.slice(start, end)
  if (start < 0 || block.split(find).length !== 2) throw new Error(`resources.ts changed: "${find.trim()}" is not once in the tables declaration; update this test`)
  return source.slice(0, start) + block.replace(find, replace) + source.slice(end)
}

t.test('each version: no breaking change against the committed snapshot; additions and staleness reported', async (t) => {
  const documents = await apiDocuments()
  for (const { name } of API_VERSIONS) {
    const { text, document } = await snapshot(name)
    const { breaking, compatible } = compareApiDocuments(document, documents[name])
    if (breaking.length === 0) t.pass(`API ${name}: no breaking change against ${snapshotFile(name)}`)
    else {
      const message = formatBreakingChanges(name, snapshotFile(name), breaking)
      t.comment(message)
      t.fail(`API ${name}: ${breaking.length} breaking changes against ${snapshotFile(name)} (listed above)`, { breakingChanges: message })
    }
    for (const change of compatible) t.comment(`API ${name}, compatible: ${change.message} (${change.pointer})`)
    if (snapshotText(documents[name] as OpenApiDocument) !== text) {
      t.comment(`${snapshotFile(name)} is stale (${compatible.length} compatible changes, or descriptions/order): run npm run api:snapshot and commit it`)
    }
  }
})

t.test('the snapshots are committed for every version, and two generations give the same bytes', async (t) => {
  const [one, two] = [await apiDocuments(), await apiDocuments()]
  for (const { name, prefix } of API_VERSIONS) {
    const { text, document } = await snapshot(name)
    const paths = Object.keys(document.paths ?? {})
    t.ok(paths.length >= 5 && paths.every((p) => p.startsWith(`${prefix}/`)), `${snapshotFile(name)}: ${paths.length} paths, all under ${prefix}`)
    t.notOk(/"servers"|127\.0\.0\.1|localhost|\d{4}-\d{2}-\d{2}T\d{2}:/.test(text), 'no servers, addresses or dates: the same bytes on every machine')
    t.equal(snapshotText(one[name] as OpenApiDocument), snapshotText(two[name] as OpenApiDocument), `${name}: deterministic`)
  }
})

t.test('a response field removed from a resource declaration (scratch copy): the guard fails naming it', async (t) => {
  const documents = await documentsOfScratchCopy(t, (source) => inTables(inTables(source, TABLE_TYPE_LINE, ''), TABLE_FILTERS_LINE, ''))
  const v1 = compareApiDocuments((await snapshot('v1')).document, documents.v1)
  const pointers = v1.breaking.map((c) => c.pointer)
  t.ok(pointers.includes(`${TABLE_ID_200}/properties/tableType`), 'GET /api/v1/tables/{id} 200: tableType named')
  t.ok(pointers.includes('/paths/~1api~1v1~1tables/get/responses/200/content/application~1json/schema/properties/data/items/properties/tableType'), 'the list\'s items too')
  t.ok(v1.breaking.some((c) => c.rule === 'parameter-removed' && /query parameter tableType removed/.test(c.message)), 'and the tableType filter of the list')
  t.ok(v1.breaking.some((c) => c.rule === 'request-property-removed' && c.pointer === '/paths/~1api~1v1~1tables/post/requestBody/content/application~1json/schema/properties/tableType'), 'and the create request field')
  const message = formatBreakingChanges('v1', snapshotFile('v1'), v1.breaking)
  t.match(message, `  - ${TABLE_ID_200}/properties/tableType\n      GET /api/v1/tables/{id}: 200 application/json: /tableType: response field removed (or renamed) [response-property-removed]`)
  t.match(message, /keep it: restore the field/)
  t.match(message, /new API version \(a new prefix, e\.g\. \/api\/v2\)/)
  const v2 = compareApiDocuments((await snapshot('v2')).document, documents.v2)
  t.ok(v2.breaking.some((c) => c.pointer === `${V2_TABLE_200}/properties/tableType`), 'v2 serves the same declaration: its guard fails too')
  t.same(v1.compatible, [], 'nothing reported as an addition')
})

t.test('an optional field added to a resource declaration (scratch copy): the guard passes and reports it', async (t) => {
  const owner = "    owner: Type.Optional(Type.String({ maxLength: 256, description: 'Who answers for the table' })),\n"
  const documents = await documentsOfScratchCopy(t, (source) => inTables(source, TABLE_TYPE_LINE, TABLE_TYPE_LINE + owner))
  for (const { name } of API_VERSIONS) {
    const { breaking, compatible } = compareApiDocuments((await snapshot(name)).document, documents[name])
    t.same(breaking, [], `API ${name}: nothing breaking`)
    for (const change of compatible) t.comment(`API ${name}, compatible: ${change.message}`)
    t.ok(compatible.length > 0 && compatible.every((c) => /\/owner: (response|request) field added/.test(c.message)), `API ${name}: ${compatible.length} additions, each the owner field`)
  }
  const v1 = compareApiDocuments((await snapshot('v1')).document, documents.v1).compatible.map((c) => `${c.rule} ${c.pointer}`)
  t.ok(v1.includes(`response-property-added ${TABLE_ID_200}/properties/owner`), 'GET /api/v1/tables/{id}: owner reported')
  t.ok(v1.includes('request-property-added /paths/~1api~1v1~1tables/post/requestBody/content/application~1json/schema/properties/owner'), 'POST /api/v1/tables: owner accepted, optional')
})
