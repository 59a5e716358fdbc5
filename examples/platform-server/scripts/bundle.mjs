#!/usr/bin/env node
// `npm run build` (after `tsc -b`): the example server as one ESM file,
// examples/platform-server/dist/platform-server.mjs, which `npm start` runs (issue 12, startup).
// Loading dist/main.js reads about 315 CommonJS and 350 ES module files (247 of them TypeBox's
// ESM build) before the server does anything; the bundle is one file, so the process starts
// sooner (figures: examples/platform-server/README.md). dist/main.js keeps working.
//
// `node scripts/bundle.mjs [entry outfile]`: another entry and output (used by its test).
//
// Every bundled module keeps its own location: a module that finds files next to itself
// (`import.meta.url`, `import.meta.dirname`/`filename`, `__dirname`, `__filename`,
// `require.resolve`) is given its original path, not the bundle's, so e.g. @fastify/swagger-ui
// still serves node_modules/@fastify/swagger-ui/static, the seed data is still read from
// examples/platform-server/data and a worker entry found with `new URL('./x.js', import.meta.url)`
// is the real file. The bundle therefore runs where it is built, beside node_modules (it is not
// meant to be copied elsewhere). The modules that needed this are listed when it is built.
//
// External (loaded from node_modules at run time, as before): what is only loaded lazily and
// is large (@electric-sql/pglite with its WASM, pg, ioredis, selfsigned, node-sql-parser through
// createRequire). An external must resolve to the same file from the bundle as from the module
// that imports it; the build fails otherwise. Everything else is bundled, @platform-api/
// store-postgres too: an external package that imports a bundled one (it imports
// @platform-api/resources) would load a second copy of it and of all it imports.
//
// Source map: dist/platform-server.mjs.map (external file, chained to the TypeScript sources
// through tsc's maps), read at the first stack trace (mapStackTraces): stack traces name
// src/*.ts and node_modules files, as with `node --enable-source-maps` but without its start cost.
import { build } from 'esbuild'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [entryArg, outArg] = process.argv.slice(2)
const entry = resolve(entryArg ?? join(here, '..', 'dist', 'main.js'))
const outfile = resolve(outArg ?? join(here, '..', 'dist', 'platform-server.mjs'))
const outDir = dirname(outfile)

/**
 * Left to node_modules: loaded lazily (only with DATABASE_URL, REDIS_URL, without a certificate,
 * at the first DDL request) and large; PGlite also finds its WASM and data files itself.
 */
const EXTERNAL = ['@electric-sql/pglite', 'pg', 'ioredis', 'selfsigned', 'node-sql-parser']

/**
 * Runs first in the bundle (through the banner): stack traces name the source files (src/*.ts
 * through tsc's maps, node_modules/…) instead of lines of the bundle, at no cost to the start.
 * `node --enable-source-maps` does the same but reads the 2 MB map while the bundle loads
 * (45-90 ms more CPU per start, see the README); here the map is read at the first stack trace
 * formatted (an error logged with its stack, an uncaught exception; 0.1-0.2 s once). Not installed when source
 * maps are on (`--enable-source-maps`: Node maps) or someone else set `Error.prepareStackTrace`.
 * Each call site in the bundle is shown at its original file, line and column; others as Node
 * shows them.
 */
function mapStackTraces (bundleUrl, SourceMap, readFileSync, fileURLToPath) {
  // One handler for every file of the bundle (the entry and its chunks each run this banner).
  const files = globalThis[Symbol.for('platform-api.bundle-source-maps')]
  if (files !== undefined) { files.set(bundleUrl, undefined); return }
  // Node 20 has a default Error.prepareStackTrace (named ErrorPrepareStackTrace); another is someone's.
  if (process.sourceMapsEnabled === true || (Error.prepareStackTrace !== undefined && Error.prepareStackTrace.name !== 'ErrorPrepareStackTrace')) return
  const maps = new Map([[bundleUrl, undefined]])
  globalThis[Symbol.for('platform-api.bundle-source-maps')] = maps
  const original = (site, url) => {
    let map = maps.get(url)
    if (map === undefined) {
      try { map = new SourceMap(JSON.parse(readFileSync(new URL(`${url}.map`), 'utf8'))) } catch { map = null }
      maps.set(url, map)
    }
    const entry = map?.findEntry(site.getLineNumber() - 1, site.getColumnNumber() - 1)
    if (entry?.originalSource === undefined) return undefined
    return `${fileURLToPath(new URL(entry.originalSource, `${url}.map`))}:${entry.originalLine + 1}:${entry.originalColumn + 1}`
  }
  Error.prepareStackTrace = (error, sites) => {
    let head
    try { head = String(error) } catch { head = '<error>' }
    return head + sites.map((site) => {
      const text = String(site)
      const url = site.getFileName()
      if (!maps.has(url)) return `\n    at ${text}`
      const at = `${url}:${site.getLineNumber()}:${site.getColumnNumber()}`
      const mapped = original(site, url)
      return `\n    at ${mapped === undefined ? text : text.replace(at, mapped)}`
    }).join('')
  }
}

// The bundle's own URL and the helpers the per-module locations use. `require` is for the
// CommonJS modules inside (esbuild's __require calls it for externals and node: built-ins).
const banner = [
  "import { createRequire as __pa_createRequire, SourceMap as __pa_SourceMap } from 'node:module';",
  "import { fileURLToPath as __pa_fileURLToPath } from 'node:url';",
  "import { dirname as __pa_dirname } from 'node:path';",
  "import { readFileSync as __pa_readFileSync } from 'node:fs';",
  'const require = __pa_createRequire(import.meta.url);',
  'const __pa_bundleUrl = import.meta.url;',
  `(${mapStackTraces.toString()})(import.meta.url, __pa_SourceMap, __pa_readFileSync, __pa_fileURLToPath);`
].join('\n')

const TOKENS = /\bimport\.meta\.(?:url|dirname|filename)\b|\b__dirname\b|\b__filename\b|\brequire\.resolve\b/

/** `'use strict'` and comments at the head of a file: a declaration goes after them (same line). */
const PROLOGUE = /^(?:#![^\n]*\n)?(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:(['"])use strict\1;?)?/

/**
 * esbuild plugin: gives each bundled module that looks for files next to itself its original
 * location (see the file's head), and records which modules those were in `kept`.
 */
function ownLocation (kept) {
  return {
    name: 'own-location',
    setup (b) {
      b.onLoad({ filter: /\.(?:m?js|cjs)$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8')
        if (!TOKENS.test(contents)) return undefined
        let rel = relative(outDir, args.path).split(sep).join('/')
        if (!rel.startsWith('.')) rel = `./${rel}`
        const url = `new URL(${JSON.stringify(rel)}, __pa_bundleUrl)`
        const file = `__pa_fileURLToPath(${url})`
        const found = new Set()
        const replaced = contents
          .replace(/\bimport\.meta\.url\b/g, () => { found.add('import.meta.url'); return `${url}.href` })
          .replace(/\bimport\.meta\.filename\b/g, () => { found.add('import.meta.filename'); return file })
          .replace(/\bimport\.meta\.dirname\b/g, () => { found.add('import.meta.dirname'); return `__pa_dirname(${file})` })
          .replace(/\brequire\.resolve\b/g, () => { found.add('require.resolve'); return `__pa_createRequire(${url}).resolve` })
        let declarations = ''
        // Unless the module declares its own (ESM's `const __dirname = dirname(fileURLToPath(import.meta.url))`).
        const uses = (name) => new RegExp(`\\b${name}\\b`).test(contents) && !new RegExp(`\\b(?:const|let|var|function)\\s+${name}\\b`).test(contents)
        if (uses('__filename')) { found.add('__filename'); declarations += `var __filename = ${file};` }
        if (uses('__dirname')) { found.add('__dirname'); declarations += `var __dirname = __pa_dirname(${file});` }
        if (found.size === 0) return undefined
        const head = PROLOGUE.exec(replaced)?.[0] ?? ''
        kept.push({ path: relative(process.cwd(), args.path), found: [...found] })
        // On the prologue's line: no line moves, so the source map stays right.
        return { contents: head + (declarations === '' ? '' : `;${declarations}`) + replaced.slice(head.length), loader: 'js', resolveDir: dirname(args.path) }
      })
    }
  }
}

/** esbuild plugin: an external must resolve from the bundle to the file its importer gets. */
function sameExternal () {
  return {
    name: 'same-external',
    setup (b) {
      const filter = new RegExp(`^(?:${EXTERNAL.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(?:/|$)`)
      b.onResolve({ filter }, async (args) => {
        if (args.pluginData?.sameExternal === true) return undefined
        const kind = args.kind === 'require-call' ? 'require-call' : 'import-statement'
        const fromImporter = await b.resolve(args.path, { resolveDir: args.resolveDir, kind, pluginData: { sameExternal: true } })
        const fromBundle = await b.resolve(args.path, { resolveDir: outDir, kind, pluginData: { sameExternal: true } })
        if (fromImporter.errors.length === 0 && fromImporter.path !== fromBundle.path) {
          return { errors: [{ text: `external ${args.path} resolves to ${fromBundle.path || 'nothing'} from the bundle but to ${fromImporter.path} from ${args.importer}` }] }
        }
        return { path: args.path, external: true }
      })
    }
  }
}

const kept = []
const started = Date.now()
await mkdir(outDir, { recursive: true }) // sameExternal resolves from it
// The entry's name without .mjs; its chunks are `<name>~<chunk>-<hash>.mjs` beside it. Chunks of
// an earlier build are removed (their hashes differ).
const name = basename(outfile).replace(/\.mjs$/, '')
const isChunk = (file) => file.startsWith(`${name}~`) && /\.mjs(?:\.map)?$/.test(file)
for (const file of (await readdir(outDir)).filter(isChunk)) await rm(join(outDir, file), { force: true })
await build({
  entryPoints: { [name]: entry },
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  // What main.ts loads with import() (the server, the seeding) is a chunk of its own, loaded
  // only then: the entry (configuration, the store, the PGlite worker's driver) is small, so
  // the worker thread starts about 80 ms after the process instead of after the whole bundle
  // was parsed, and opens the database while the server's chunk loads (issue 12, startup).
  splitting: true,
  chunkNames: `${name}~[name]-[hash]`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: banner },
  sourcemap: 'linked',
  // Paths in the map relative to it; sources are not copied into it (they are on disk).
  sourcesContent: false,
  // EXTERNAL is applied by sameExternal (esbuild's own `external` would skip its check).
  plugins: [sameExternal(), ownLocation(kept)],
  logLevel: 'warning'
})
const chunks = (await readdir(outDir)).filter((file) => isChunk(file) && file.endsWith('.mjs'))
process.stderr.write(`bundled ${relative(process.cwd(), entry)} into ${relative(process.cwd(), outfile)} and ${chunks.length} chunk${chunks.length === 1 ? '' : 's'} in ${Date.now() - started} ms; modules given their own location:\n`)
for (const k of kept.sort((a, b) => a.path.localeCompare(b.path))) process.stderr.write(`  ${k.path} (${k.found.join(', ')})\n`)
