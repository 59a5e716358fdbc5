/**
 * Issue 11, "What must show": the hostile-input corpus (data/hostile-corpus.json, made by
 * data/make-corpus.py): framing, content types, bodies, JSON Patch and merge patch attacks,
 * names, queries, cursors, Host headers, Digest header fuzz. Every case is answered 4xx in
 * the error format with X-Request-Id, never 5xx; afterwards the store is unchanged and
 * Object.prototype untouched.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import { digestAuthorization } from 'fastify-platform-api'
import { build, errorFormat, owner, snapshot } from './helpers.js'

function statusStyle (res: LightMyRequestResponse): string | undefined {
  const body = res.json() as { status?: string, result?: { errorCode?: string, requestId?: string } }
  return body.status === String(res.statusCode) && typeof body.result?.errorCode === 'string' && body.result.requestId === res.headers['x-request-id'] ? undefined : `not the status-style error: ${res.body.slice(0, 120)}`
}

interface Case { id: string, category: string, kind: 'inject' | 'raw', method: string, url: string, headers: Record<string, string>, body: string | null, auth: boolean }
const corpus = JSON.parse(readFileSync(new URL('./data/hostile-corpus.json', import.meta.url), 'utf8')) as Case[]

/** The first answer to raw bytes: status, headers, body (read until the server closes or 5 s). */
async function sendRaw (port: number, bytes: string): Promise<{ status: number, headers: Record<string, string>, body: string }> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let data = Buffer.alloc(0)
    const done = (): void => {
      clearTimeout(timer)
      const text = data.toString('latin1')
      const cut = text.indexOf('\r\n\r\n')
      const lines = text.slice(0, cut < 0 ? text.length : cut).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) { const i = line.indexOf(':'); if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim() }
      const length = Number(headers['content-length'] ?? 0)
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, body: cut < 0 ? '' : data.subarray(Buffer.byteLength(text.slice(0, cut + 4), 'latin1')).subarray(0, length).toString('utf8') })
    }
    const timer = setTimeout(() => { socket.destroy() }, 5000)
    socket.on('data', (d: Buffer) => { data = Buffer.concat([data, d]) })
    socket.on('close', done)
    socket.on('error', () => { /* reset after the answer: keep what was read */ })
    socket.end(Buffer.from(bytes, 'latin1'))
  })
}

t.test(`hostile-input corpus: ${corpus.length} cases, each 4xx in the error format, never 5xx; store and Object.prototype unchanged`, async (t) => {
  t.ok(corpus.length >= 300, `${corpus.length} cases`)
  const { app, registry, as } = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const item = (await as({ method: 'GET', url: '/api/v1/integrations?limit=1' })).json().data[0].id as string
  const cat = (await as({ method: 'GET', url: '/api/v1/catalogs?limit=1' })).json().data[0].id as string
  const after = (await as({ method: 'GET', url: '/api/v1/tables?limit=2' })).json().paging.after as string
  const protoNames = Object.getOwnPropertyNames(Object.prototype).sort().join()
  const before = await snapshot(registry)
  const byCategory: Record<string, number> = {}
  const failures: string[] = []
  for (const c of corpus) {
    const url = c.url.replaceAll('{ITEM}', item).replaceAll('{CAT}', cat).replaceAll('{AFTER}', after)
    let status: number
    let problem: string | undefined
    if (c.kind === 'raw') {
      const res = await sendRaw(port, c.body ?? '')
      status = res.status
      let body: Record<string, unknown> | undefined
      try { body = JSON.parse(res.body) } catch { body = undefined }
      if (res.headers['x-request-id'] === undefined) problem = 'no X-Request-Id'
      else if (body === undefined || typeof body.errorCode !== 'string' || body.requestId !== res.headers['x-request-id']) problem = `not the error format: ${res.body.slice(0, 120)}`
    } else {
      const options = { method: c.method, url, headers: c.headers, ...(c.body !== null ? { payload: c.body } : {}) }
      // Authenticated as curl --digest would: a first request for the challenge; a first answer other than 401 is the case's answer.
      const first = await app.inject(options)
      const challenge = first.headers['www-authenticate']
      const res = c.auth && first.statusCode === 401 && challenge !== undefined
        ? await app.inject({ ...options, headers: { ...c.headers, authorization: digestAuthorization({ challenge: ([] as string[]).concat(challenge).join(', '), username: owner.username, password: owner.password, method: c.method, uri: url }) } })
        : first
      status = res.statusCode
      // /api/v2 answers errors in the StarRocks style: {status, message, result: <the error>}.
      problem = url.startsWith('/api/v2') ? statusStyle(res) : errorFormat(res)
    }
    byCategory[c.category] = (byCategory[c.category] ?? 0) + 1
    if (!(status >= 400 && status < 500)) failures.push(`${c.id}: ${status}`)
    else if (problem !== undefined) failures.push(`${c.id}: ${status} ${problem}`)
  }
  t.same(failures, [], 'every case 4xx in the error format with X-Request-Id')
  t.comment(`figures: ${Object.entries(byCategory).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  t.equal(await snapshot(registry), before, 'the store is unchanged')
  t.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(), protoNames, 'Object.prototype has no new property')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.equal(({} as Record<string, unknown>).isAdmin, undefined)
})
