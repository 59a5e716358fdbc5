/**
 * OWASP API Security Top 10 2023 lint of the example server's OpenAPI document (issue 11):
 * Spectral (@stoplight/spectral-core) with @stoplight/spectral-owasp-ruleset over the whole
 * document and the document of each API version (openApiForPrefix). No error, and every
 * warning matches an entry of docs/spectral-justifications.json; an entry that matches nothing
 * fails too (no stale reasons).
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import spectralCore from '@stoplight/spectral-core'
import owaspRuleset from '@stoplight/spectral-owasp-ruleset'
import Parsers from '@stoplight/spectral-parsers'
import { openApiForPrefix, type OpenApiDocument } from 'fastify-platform-api'
import { buildServer } from '../examples/platform-server/src/server.js'

const { Spectral, Document } = spectralCore

interface Justification { rule: string, path: string, parameter?: string, reason: string }
interface Finding { code: string | number, severity: number, path: Array<string | number>, message: string }

const ERROR = 0

const justifications = (JSON.parse(await readFile(new URL('../docs/spectral-justifications.json', import.meta.url), 'utf8')) as { justifications: Justification[] }).justifications

/** Glob over path segments: `*` one segment, `**` any number. */
function globMatch (pattern: string[], path: string[]): boolean {
  if (pattern.length === 0) return path.length === 0
  const [head, ...rest] = pattern
  if (head === '**') return path.some((_, i) => globMatch(rest, path.slice(i))) || globMatch(rest, [])
  return path.length > 0 && (head === '*' || head === path[0]) && globMatch(rest, path.slice(1))
}

/** The parameter a finding's path points into (`paths.<p>.<m>.parameters.<i>.schema`), if any. */
function parameterName (document: OpenApiDocument, path: string[]): string | undefined {
  if (path[0] !== 'paths' || path[3] !== 'parameters') return undefined
  const op = (document.paths?.[path[1] as string] as Record<string, { parameters?: Array<{ name: string }> }> | undefined)?.[path[2] as string]
  return op?.parameters?.[Number(path[4])]?.name
}

function justification (document: OpenApiDocument, finding: Finding): Justification | undefined {
  const path = finding.path.map(String)
  return justifications.find((j) => j.rule === finding.code && globMatch(j.path.split('.'), path) &&
    (j.parameter === undefined || parameterName(document, path) === j.parameter))
}

async function lint (document: OpenApiDocument): Promise<Finding[]> {
  const spectral = new Spectral()
  spectral.setRuleset(owaspRuleset as never)
  return await spectral.run(new Document(JSON.stringify(document), Parsers.Json)) as Finding[]
}

const { app } = await buildServer({ envelope: { httpsOnly: false }, seed: false, publicUrl: 'https://platform.example.com' })
await app.ready()
t.teardown(() => app.close())
const whole = app.swagger() as unknown as OpenApiDocument
const used = new Set<Justification>()

for (const [name, document] of [['the whole document', whole], ['/api/v1', openApiForPrefix(whole, '/api/v1')], ['/api/v2', openApiForPrefix(whole, '/api/v2')]] as const) {
  t.test(`OWASP ruleset on ${name}: no error, every other finding justified`, async (t) => {
    const findings = await lint(document)
    const errors = findings.filter((f) => f.severity === ERROR)
    t.same(errors.map((f) => `${String(f.code)} ${f.path.join('.')}: ${f.message}`).slice(0, 20), [], `no error (${errors.length})`)
    const unjustified = findings.filter((f) => f.severity !== ERROR).filter((f) => {
      const j = justification(document, f)
      if (j !== undefined) used.add(j)
      return j === undefined
    })
    t.same(unjustified.map((f) => `${String(f.code)} ${f.path.join('.')}: ${f.message}`).slice(0, 20), [], `every warning justified (${unjustified.length} not)`)
    t.ok(Object.keys(document.paths ?? {}).length > 5, 'the document has paths')
  })
}

t.test('every justification is used, and each has a reason', async (t) => {
  for (const j of justifications) {
    t.ok(used.has(j), `${j.rule} ${j.path}${j.parameter !== undefined ? ` (${j.parameter})` : ''} matches a finding`)
    t.ok(j.reason.length > 20, `${j.rule} ${j.path}: a reason`)
  }
})

t.test('the CORS policy the document states (OWASP API8:2023) is what the server sends: its own origin only, on every answer', async (t) => {
  for (const url of ['/health', '/api/v1/tables', '/api/v2/catalogs', '/documentation/json', '/nowhere']) {
    const response = await app.inject({ url, headers: { origin: 'https://evil.example' } })
    t.equal(response.headers['access-control-allow-origin'], 'https://platform.example.com', url)
  }
  const op = (whole.paths?.['/api/v1/tables'] as Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>).get
  t.ok(op?.responses['200']?.headers?.['Access-Control-Allow-Origin'] !== undefined, 'declared on the 200 of GET /api/v1/tables')
})

t.test('what the document now states is what the server does: 401 and 429 documented, RateLimit headers sent', async (t) => {
  const op = (whole.paths?.['/api/v1/tables'] as Record<string, { responses: Record<string, unknown> }>).get
  t.ok(op?.responses['401'] !== undefined && op.responses['429'] !== undefined && op.responses['500'] !== undefined)
  const response = await app.inject({ url: '/api/v1/tables' })
  t.equal(response.statusCode, 401)
  t.match(response.headers['www-authenticate'], /Digest /)
  for (const h of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) t.match(response.headers[h], /^\d+$/, h)
})
