/**
 * scripts/bundle.mjs (the bundle `npm start` runs): a bundled module that finds files next to
 * itself still finds them, wherever the bundle is written (`import.meta.url`,
 * `import.meta.dirname`, `__dirname`, `require.resolve`, a module's own `__dirname`), and an
 * external that would resolve to another copy from the bundle's directory fails the build.
 * Each case bundles a small package tree into another directory and runs the result.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const SCRIPT = fileURLToPath(new URL('../scripts/bundle.mjs', import.meta.url))

/** Bundles `dir/src/entry.mjs` into `dir/out/deep/bundle.mjs`; resolves the bundle's path. */
async function bundle (dir: string): Promise<string> {
  const outfile = join(dir, 'out', 'deep', 'bundle.mjs')
  await run(process.execPath, [SCRIPT, join(dir, 'src', 'entry.mjs'), outfile])
  return outfile
}
/**
 * Runs a bundle with `node [flags] file`; resolves its stdout. Without the NODE_OPTIONS tap
 * gives every child process (its process tracking turns Node's source maps on).
 */
async function runBundle (file: string, flags: string[] = []): Promise<string> {
  return (await run('env', ['-u', 'NODE_OPTIONS', process.execPath, ...flags, file])).stdout
}

t.test('bundled modules find the files next to their original location', async (t) => {
  const dir = t.testdir({
    src: {
      'entry.mjs': [
        "import { fromUrl, fromDirname, ownDirname } from './lib/esm.mjs'",
        "import cjs from './lib/cjs.cjs'",
        'console.log(JSON.stringify({ fromUrl, fromDirname, ownDirname, ...cjs }))'
      ].join('\n'),
      lib: {
        'esm.mjs': [
          "import { readFileSync } from 'node:fs'",
          "import { dirname, join } from 'node:path'",
          "import { fileURLToPath } from 'node:url'",
          "export const fromUrl = readFileSync(new URL('./data.txt', import.meta.url), 'utf8')",
          "export const fromDirname = readFileSync(join(import.meta.dirname ?? dirname(fileURLToPath(import.meta.url)), 'data.txt'), 'utf8')",
          'const __dirname = dirname(fileURLToPath(import.meta.url))',
          "export const ownDirname = readFileSync(join(__dirname, 'data.txt'), 'utf8')"
        ].join('\n'),
        'cjs.cjs': [
          "'use strict'",
          "const { readFileSync } = require('node:fs')",
          "const { join } = require('node:path')",
          "exports.fromCjsDirname = readFileSync(join(__dirname, 'data.txt'), 'utf8')",
          "exports.resolved = require.resolve('./data.txt') === join(__dirname, 'data.txt')"
        ].join('\n'),
        'data.txt': 'next to lib'
      }
    }
  })
  const out = JSON.parse(await runBundle(await bundle(dir)))
  t.same(out, { fromUrl: 'next to lib', fromDirname: 'next to lib', ownDirname: 'next to lib', fromCjsDirname: 'next to lib', resolved: true })
})

t.test('an external that resolves to another copy from the bundle fails the build', async (t) => {
  const dir = t.testdir({
    node_modules: { pg: { 'package.json': '{"name":"pg","version":"1.0.0","main":"index.js"}', 'index.js': 'module.exports = 1' } },
    src: {
      'entry.mjs': "import n from './lib/index.mjs'\nconsole.log(n)",
      lib: {
        'index.mjs': "import pg from 'pg'\nexport default pg",
        node_modules: { pg: { 'package.json': '{"name":"pg","version":"2.0.0","main":"index.js"}', 'index.js': 'module.exports = 2' } }
      }
    }
  })
  const err = await bundle(dir).then(() => undefined, (e: Error & { stderr?: string }) => e)
  t.ok(err !== undefined, 'the build fails')
  t.match(err?.stderr, /external pg resolves to .*node_modules\/pg\/index\.js from the bundle but to .*lib\/node_modules\/pg\/index\.js from/)
})

t.test('an external that resolves to the same file stays external: loaded from node_modules at run time', async (t) => {
  const dir = t.testdir({
    node_modules: { pg: { 'package.json': '{"name":"pg","version":"1.0.0","main":"index.js"}', 'index.js': 'module.exports = "pg from node_modules"' } },
    src: {
      'entry.mjs': "import pg from 'pg'\nconsole.log(pg)"
    }
  })
  const file = await bundle(dir)
  t.equal((await runBundle(file)).trim(), 'pg from node_modules')
  writeFileSync(join(dir, 'node_modules', 'pg', 'index.js'), 'module.exports = "pg changed after the build"')
  t.equal((await runBundle(file)).trim(), 'pg changed after the build', 'not copied into the bundle')
})

t.test('stack traces name the original files, lines and columns (the source map, read at the first trace)', async (t) => {
  const dir = t.testdir({
    src: {
      'entry.mjs': [
        "import { fail } from './lib/fail.mjs'",
        "console.log(`Node's source maps: ${process.sourceMapsEnabled}`)",
        'try { fail() } catch (err) { console.log(err.stack) }'
      ].join('\n'),
      lib: {
        'fail.mjs': [
          '// line 1',
          'export function fail () {',
          "  throw new Error('from lib')",
          '}'
        ].join('\n')
      }
    }
  })
  const file = await bundle(dir)
  const stack = await runBundle(file)
  t.match(stack, /^Node's source maps: false\nError: from lib\n/, 'mapped by the bundle, not by Node')
  t.match(stack, new RegExp(`\\n    at fail \\(${join(dir, 'src', 'lib', 'fail.mjs').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:9\\)`), 'the throw in lib/fail.mjs, line 3, column 9')
  t.match(stack, new RegExp(`\\n    at .*${join(dir, 'src', 'entry.mjs').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:7`), 'the call in entry.mjs')
  t.notMatch(stack, /bundle\.mjs/, 'no line of the bundle')
  t.match(await runBundle(file, ['--enable-source-maps']), /^Node's source maps: true\nError: from lib\n    at fail \(.*fail\.mjs:3:9\)/, 'node --enable-source-maps: the same, mapped by Node')
})

t.test('what the entry loads with import() is a chunk beside it: loaded then, its stack traces mapped too, old chunks removed', async (t) => {
  const dir = t.testdir({
    src: {
      'entry.mjs': [
        "import { early } from './lib/early.mjs'",
        'console.log(JSON.stringify({ early, lateLoaded: globalThis.lateLoaded === true }))',
        "const { fail } = await import('./lib/late.mjs')",
        'try { fail() } catch (err) { console.log(err.stack) }'
      ].join('\n'),
      lib: {
        'early.mjs': "export const early = 'early'",
        'late.mjs': [
          'globalThis.lateLoaded = true',
          'export function fail () {',
          "  throw new Error('from a chunk')",
          '}'
        ].join('\n')
      }
    },
    out: { deep: { 'bundle~late-OLDHASH1.mjs': 'throw new Error("a chunk of an earlier build")', 'bundle~late-OLDHASH1.mjs.map': '{}', 'other.mjs': 'kept' } }
  })
  const file = await bundle(dir)
  const files = readdirSync(join(dir, 'out', 'deep')).sort()
  t.notOk(files.includes('bundle~late-OLDHASH1.mjs') || files.includes('bundle~late-OLDHASH1.mjs.map'), 'the earlier build\'s chunk is removed')
  t.ok(files.includes('other.mjs'), 'files that are not chunks of this bundle are left')
  const chunks = files.filter((f) => /^bundle~late-[A-Z0-9]+\.mjs$/.test(f))
  t.equal(chunks.length, 1, 'late.mjs is a chunk of its own')
  t.notMatch(readFileSync(file, 'utf8'), /from a chunk/, 'not in the entry')
  const out = await runBundle(file)
  const [first, ...stack] = out.split('\n')
  t.same(JSON.parse(first ?? ''), { early: 'early', lateLoaded: false }, 'the chunk runs only when imported')
  t.match(stack.join('\n'), new RegExp(`^Error: from a chunk\\n    at fail \\(${join(dir, 'src', 'lib', 'late.mjs').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:9\\)`), 'the throw in lib/late.mjs, line 3, column 9')
  t.notMatch(out, /bundle(?:~[^/]*)?\.mjs/, 'no line of the bundle or its chunk')
})
