#!/usr/bin/env node
// Write the OpenAPI document of each API version of the example server to api/openapi-<v>.json
// (keys sorted, see docs/compatibility.md), from the built server (`npm run api:snapshot` builds
// first). No network, no port: the server is built in process and closed.
// `--check` writes nothing: it exits 1 when a committed snapshot differs from the generated one.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'

const root = new URL('../', import.meta.url)
const { API_VERSIONS, apiDocuments, snapshotFile, snapshotText } = await import(new URL('examples/platform-server/dist/api-documents.js', root).href)
const check = process.argv.includes('--check')

const documents = await apiDocuments()
let stale = 0
if (!check) mkdirSync(new URL('api/', root), { recursive: true })
for (const { name } of API_VERSIONS) {
  const file = new URL(snapshotFile(name), root)
  const text = snapshotText(documents[name])
  const current = (() => { try { return readFileSync(file, 'utf8') } catch { return undefined } })()
  if (current === text) { console.log(`${snapshotFile(name)}: up to date`); continue }
  if (check) { stale += 1; console.error(`${snapshotFile(name)}: stale, run npm run api:snapshot`); continue }
  writeFileSync(file, text)
  console.log(`${snapshotFile(name)}: written (${Buffer.byteLength(text)} bytes)`)
}
process.exitCode = stale > 0 ? 1 : 0
