// The contenders of `npm run bench`, one per process: `node bench/servers.mjs <kind> [fixture.json]`.
// Each listens on plain HTTP on 127.0.0.1 (a free port) and prints one JSON line
// `{ "port": … }` on stdout once ready. Kinds:
// - suite:   the example server (buildServer: the whole suite, MemoryStore), HTTPS-only check off,
//            rate limits on but out of reach, no cap on requests per connection;
//            the bench key and 100 catalogs are created at start, the fixture (ids, bytes) printed.
// - bare:    bare Fastify serving the same bytes from a Map (read from the fixture file).
// - express: Express 5 + passport-http's DigestStrategy (MD5, qop=auth) and the same
//            validation (Ajv, the same TypeBox schemas: uuid id, limit 1..100).
import { readFileSync } from 'node:fs'
import { KEY, NONCE_SECRET, REALM } from './common.mjs'

const kind = process.argv[2]
const fixturePath = process.argv[3]

async function suite () {
  const { buildServer } = await import('../examples/platform-server/dist/server.js')
  const { app, registry } = await buildServer({
    envelope: { httpsOnly: false },
    seed: false,
    // The rate limiter runs (its cost is part of the suite) with limits a benchmark never reaches:
    // the defaults (1200 requests a minute per key) would answer most of a run with 429.
    rateLimit: { perAddressMax: 1_000_000_000, perKeyMax: 1_000_000_000 },
    // A benchmark connection sends more than the default 1000 requests (a connection is closed
    // after them): autocannon keeps writing on the closing socket and gets 503s, which would be
    // counted as failures of the suite. One reconnect per 1000 requests costs next to nothing.
    server: { maxRequestsPerSocket: 1_000_000_000 },
    nonceSecret: NONCE_SECRET,
    adminKey: { publicKey: KEY.publicKey, privateKey: KEY.privateKey, accessList: [{ cidrBlock: '127.0.0.0/8' }] },
    publicUrl: 'http://127.0.0.1'
  })
  const catalogs = registry.get('catalogs')
  const ids = []
  for (let i = 0; i < 100; i++) {
    const created = await catalogs.create(catalogs.validateCreate({ name: `bench${String(i).padStart(3, '0')}`, type: 'hive', description: 'a catalog of the benchmark' }))
    ids.push(created.entity.id)
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: app.server.address().port, ids }
}

async function bare () {
  const { default: Fastify } = await import('fastify')
  const { default: { applyPatch } } = await import('fast-json-patch')
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'))
  const entities = new Map(Object.entries(fixture.entities)) // id -> bytes
  const listBytes = fixture.list
  const app = Fastify({ logger: false })
  app.addContentTypeParser('application/json-patch+json', { parseAs: 'string' }, (req, body, done) => {
    try { done(null, JSON.parse(body)) } catch (err) { done(err) }
  })
  const json = 'application/json; charset=utf-8'
  app.get('/api/v1/catalogs/:id', (req, reply) => {
    const bytes = entities.get(req.params.id)
    if (bytes === undefined) return reply.code(404).send({ error: 404 })
    reply.type(json).send(bytes)
  })
  app.get('/api/v1/catalogs', (req, reply) => { reply.type(json).send(listBytes) })
  app.post('/api/v1/catalogs', (req, reply) => {
    const now = new Date().toISOString()
    const id = crypto.randomUUID()
    const entity = { ...JSON.parse(fixture.template), ...req.body, id, fullyQualifiedName: req.body.name, version: 1, createdAt: now, updatedAt: now }
    const bytes = JSON.stringify(entity)
    entities.set(id, bytes)
    reply.code(201).type(json).send(bytes)
  })
  app.patch('/api/v1/catalogs/:id', (req, reply) => {
    const bytes = entities.get(req.params.id)
    if (bytes === undefined) return reply.code(404).send({ error: 404 })
    const entity = applyPatch(JSON.parse(bytes), req.body).newDocument
    entity.version++
    entity.updatedAt = new Date().toISOString()
    const out = JSON.stringify(entity)
    entities.set(req.params.id, out)
    reply.type(json).send(out)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: app.server.address().port }
}

async function express () {
  const { default: Express } = await import('express')
  const { default: passport } = await import('passport')
  const { DigestStrategy } = await import('passport-http')
  const { default: Ajv } = await import('ajv')
  const { default: addFormats } = await import('ajv-formats')
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'))
  const entities = new Map(Object.entries(fixture.entities))
  const ajv = addFormats(new Ajv({ coerceTypes: true }))
  const validId = ajv.compile({ type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'], additionalProperties: false })
  const validQuery = ajv.compile({ type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 }, after: { type: 'string' }, before: { type: 'string' } }, additionalProperties: false })
  passport.use(new DigestStrategy({ qop: 'auth', realm: REALM },
    (username, done) => username === KEY.publicKey ? done(null, { id: 'bench' }, KEY.privateKey) : done(null, false),
    (params, done) => done(null, true)))
  const app = Express()
  app.disable('x-powered-by')
  app.disable('etag')
  const auth = passport.authenticate('digest', { session: false })
  app.get('/api/v1/catalogs/:id', auth, (req, res) => {
    if (!validId({ ...req.params })) return res.status(400).json({ error: 400 })
    const bytes = entities.get(req.params.id)
    if (bytes === undefined) return res.status(404).json({ error: 404 })
    res.type('application/json; charset=utf-8').send(bytes)
  })
  app.get('/api/v1/catalogs', auth, (req, res) => {
    if (!validQuery({ ...req.query })) return res.status(400).json({ error: 400 })
    res.type('application/json; charset=utf-8').send(fixture.list)
  })
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  return { port: server.address().port }
}

const ready = kind === 'suite' ? await suite() : kind === 'bare' ? await bare() : kind === 'express' ? await express() : undefined
if (ready === undefined) throw new Error(`unknown kind ${kind}`)
process.stdout.write(JSON.stringify(ready) + '\n')
// A normal exit on SIGINT, so `node --cpu-prof` writes its profile (bench/profile.mjs).
process.on('SIGINT', () => process.exit(0))
