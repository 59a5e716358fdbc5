/**
 * Every README options table against the code (issue 13): each option a plugin's options type
 * declares is in its README table and nothing else is; each documented option is validated at
 * registration (an invalid value stops `ready()` with the package's coded option error).
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope from '@platform-api/envelope'
import platformAuth, { MemoryKeyStore } from '@platform-api/auth'
import accessList from '@platform-api/access-list'
import pagination from '@platform-api/pagination'
import platformResources, { defineResource, MemoryStore, ResourceRegistry } from '@platform-api/resources'
import fastifyPlatformApi from 'fastify-platform-api'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The option names of the first "| Option |" table of a README. */
function readmeOptions (pkg: string): string[] {
  const lines = readFileSync(`${ROOT}packages/${pkg}/README.md`, 'utf8').split('\n')
  const start = lines.findIndex((l) => l.startsWith('| Option '))
  if (start === -1) throw new Error(`${pkg}: no options table`)
  const names: string[] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const m = /^\| `([A-Za-z0-9_]+)`/.exec(line)
    if (m?.[1] !== undefined) names.push(m[1])
  }
  return names
}

/** The member names of an exported interface, read from the package's source with the TypeScript compiler. */
function interfaceMembers (pkg: string, file: string, name: string): string[] {
  const path = `${ROOT}packages/${pkg}/src/${file}`
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true)
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement) && statement.name.text === name) {
      return statement.members.flatMap((m) => m.name !== undefined && ts.isIdentifier(m.name) ? [m.name.text] : [])
    }
  }
  throw new Error(`${pkg}: interface ${name} not found in ${file}`)
}

const notes = defineResource({ collection: 'notes', fields: Type.Object({ text: Type.String() }) })

interface Case {
  pkg: string
  iface: [file: string, name: string]
  code: string
  /** Register the plugin with `options` in a fresh app ready for it. */
  register: (app: FastifyInstance, options: Record<string, unknown>) => void
  base: () => Record<string, unknown>
}

const withEnvelopeAndPagination = (app: FastifyInstance): void => {
  app.register(envelope, { httpsOnly: false })
  app.register(pagination)
}

const CASES: Case[] = [
  { pkg: 'envelope', iface: ['index.ts', 'EnvelopeOptions'], code: 'ENVELOPE_INVALID_OPTION', base: () => ({ httpsOnly: false }), register: (app, o) => { app.register(envelope, o) } },
  { pkg: 'auth', iface: ['index.ts', 'AuthOptions'], code: 'AUTH_INVALID_OPTION', base: () => ({ keyStore: new MemoryKeyStore() }), register: (app, o) => { app.register(platformAuth, o as never) } },
  {
    pkg: 'access-list',
    iface: ['index.ts', 'AccessListOptions'],
    code: 'ACCESS_LIST_INVALID_OPTION',
    base: () => ({}),
    register: (app, o) => { app.decorateRequest('principal', null); app.register(accessList, o) }
  },
  { pkg: 'pagination', iface: ['index.ts', 'PaginationOptions'], code: 'PAGINATION_INVALID_OPTION', base: () => ({}), register: (app, o) => { app.register(pagination, o) } },
  {
    pkg: 'resources',
    iface: ['index.ts', 'ResourcesOptions'],
    code: 'RESOURCES_INVALID_OPTION',
    base: () => ({ registry: new ResourceRegistry(new MemoryStore(), [notes]), publicUrl: 'https://x.example' }),
    register: (app, o) => { withEnvelopeAndPagination(app); app.register(platformResources, o as never) }
  },
  {
    pkg: 'fastify-platform-api',
    iface: ['index.ts', 'PlatformApiOptions'],
    code: 'PLATFORM_API_INVALID_OPTION',
    base: () => ({ auth: { keyStore: new MemoryKeyStore() }, envelope: { httpsOnly: false } }),
    register: (app, o) => { app.register(fastifyPlatformApi as unknown as FastifyPluginAsync<Record<string, unknown>>, o) }
  }
]

for (const c of CASES) {
  t.test(`${c.pkg}: the README options table is the options type, and each option is validated`, async (t) => {
    const documented = readmeOptions(c.pkg)
    const declared = interfaceMembers(c.pkg, ...c.iface)
    t.same([...documented].sort(), [...declared].sort(), `README table = ${c.iface[1]}`)
    const ok = Fastify({ routerOptions: { maxParamLength: 512 } })
    c.register(ok, c.base())
    await ok.ready()
    await ok.close()
    for (const name of documented) {
      const app = Fastify({ routerOptions: { maxParamLength: 512 } })
      c.register(app, { ...c.base(), [name]: Symbol('not a valid value') })
      // An invalid sub-plugin option of the umbrella is refused by that sub-plugin, with its own code.
      const expected = c.pkg === 'fastify-platform-api' ? /_INVALID_OPTION$/ : new RegExp(`^${c.code}$`)
      await t.rejects(async () => { await app.ready() }, { code: expected }, `${name}: an invalid value is refused at registration`)
      await app.close().catch(() => undefined)
    }
  })
}
