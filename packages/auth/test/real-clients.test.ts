// Interplay with real Digest clients over a socket: curl --digest and Python requests' HTTPDigestAuth.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp, MEMBER, READER } from './fixtures/helpers.js'

const run = promisify(execFile)
// Loopback only: never send these requests through a proxy from the environment.
const env = { ...process.env, NO_PROXY: '*', no_proxy: '*' }

const PYTHON = [
  'import sys, requests',
  'from requests.auth import HTTPDigestAuth',
  'r = requests.request(sys.argv[1], sys.argv[2], auth=HTTPDigestAuth(sys.argv[3], sys.argv[4]), timeout=10)',
  'print(r.status_code)',
  'print(r.text)'
].join('\n')

/** Listens on a free loopback port; records the `algorithm` of each Authorization header received. */
async function listen (app: FastifyInstance, algorithmsUsed: string[] = []): Promise<string> {
  app.addHook('onResponse', async (request) => {
    const match = /algorithm="?([A-Za-z0-9-]+)/.exec(request.headers.authorization ?? '')
    if (match?.[1] !== undefined) algorithmsUsed.push(match[1])
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

async function curl (method: string, url: string, user: string, password: string): Promise<{ status: number, body: string }> {
  const { stdout } = await run('curl', ['-s', '--noproxy', '*', '--digest', '-u', `${user}:${password}`, '-X', method,
    '-w', '\n%{http_code}', url], { env })
  const cut = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) }
}

async function python (method: string, url: string, user: string, password: string): Promise<{ status: number, body: string }> {
  const { stdout } = await run('python3', ['-c', PYTHON, method, url, user, password], { env })
  const [status, ...rest] = stdout.trimEnd().split('\n')
  return { status: Number(status), body: rest.join('\n') }
}

for (const algorithms of [['SHA-256'] as Array<'SHA-256' | 'MD5'>, undefined]) {
  const label = algorithms === undefined ? 'default offer: MD5, SHA-256' : 'strict: SHA-256 only'
  t.test(`curl --digest gets 200 (${label})`, async (t) => {
    const app = await buildApp(t, algorithms === undefined ? {} : { algorithms })
    const used: string[] = []
    const base = await listen(app, used)
    for (const path of ['/x', '/x?a=1', '/x?a=1&b=two%20words']) {
      const res = await curl('GET', base + path, MEMBER.publicKey, MEMBER.privateKey)
      t.equal(res.status, 200, `GET ${path}`)
      t.equal(JSON.parse(res.body).principal.publicKey, MEMBER.publicKey)
      t.equal(JSON.parse(res.body).url, path)
    }
    t.same(new Set(used), new Set([algorithms === undefined ? 'MD5' : 'SHA-256']), 'curl answers the first challenge')
    t.equal((await curl('GET', `${base}/x`, MEMBER.publicKey, 'wrong')).status, 401, 'a wrong private key')
    t.equal((await curl('POST', `${base}/catalogs`, READER.publicKey, READER.privateKey)).status, 403, 'a role without the permission')
  })

  t.test(`Python requests HTTPDigestAuth gets 200 (${label})`, async (t) => {
    const app = await buildApp(t, algorithms === undefined ? {} : { algorithms })
    const used: string[] = []
    const base = await listen(app, used)
    for (const path of ['/x', '/x?a=1', '/x?a=1&b=two%20words']) {
      const res = await python('GET', base + path, MEMBER.publicKey, MEMBER.privateKey)
      t.equal(res.status, 200, `GET ${path}`)
      t.equal(JSON.parse(res.body).principal.publicKey, MEMBER.publicKey)
    }
    t.same(new Set(used), new Set(['SHA-256']), 'requests answers the last challenge: SHA-256 in both offers')
    t.equal((await python('GET', `${base}/x`, MEMBER.publicKey, 'wrong')).status, 401, 'a wrong private key')
    t.equal((await python('POST', `${base}/catalogs`, MEMBER.publicKey, MEMBER.privateKey)).status, 201, 'ORG_MEMBER writes catalogs')
  })
}
