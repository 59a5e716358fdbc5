#!/usr/bin/env node
// Generate docs/errors.md from every package's error catalogue (src/errors.ts, built to
// dist/errors.js). `node scripts/errors-doc.mjs` writes it; `--check` exits 1 when stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = new URL('../', import.meta.url)
const PACKAGES = ['envelope', 'auth', 'access-list', 'pagination', 'resources', 'store-postgres', 'fastify-platform-api']
/** Catalogues outside packages/: the example server's own codes. */
const EXAMPLES = ['platform-server']

/** The markdown text of docs/errors.md. */
export async function render () {
  const lines = [
    '# Error codes',
    '',
    'Every error answer carries one of these codes as `errorCode` (`result.errorCode` in the',
    '`status` style). Generated from each package\'s `src/errors.ts` by `npm run docs:errors`;',
    'do not edit by hand. Codes without a status are startup errors thrown at registration.',
    'Besides these, an error of another origin gets a generic code for its status',
    '(`BAD_REQUEST`, `NOT_FOUND`, `CONFLICT`, `INTERNAL_ERROR`, ...).',
    ''
  ]
  const catalogues = [
    ...PACKAGES.map((pkg) => ({ title: JSON.parse(readFileSync(new URL(`packages/${pkg}/package.json`, root), 'utf8')).name, path: `packages/${pkg}/dist/errors.js` })),
    ...EXAMPLES.map((name) => ({ title: `examples/${name}`, path: `examples/${name}/dist/errors.js` }))
  ]
  for (const { title, path } of catalogues) {
    const mod = await import(pathToFileURL(fileURLToPath(new URL(path, root))).href)
    lines.push(`## ${title}`, '', '| errorCode | HTTP status | detail (template) |', '|---|---|---|')
    const rows = []
    for (const value of Object.values(mod)) {
      if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue
      const err = new value()
      rows.push(`| \`${err.code}\` | ${err.code.endsWith('_INVALID_OPTION') ? '(startup)' : err.statusCode} | ${String(err.message).replace(/\|/g, '\\|')} |`)
    }
    lines.push(...[...new Set(rows)].sort(), '')
  }
  return lines.join('\n')
}

const target = fileURLToPath(new URL('docs/errors.md', root))
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await render()
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) { console.error('docs/errors.md is stale: run npm run docs:errors'); process.exit(1) }
  } else {
    writeFileSync(target, text)
  }
}
