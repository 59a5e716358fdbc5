/**
 * Issue 11, bounds of the example server over real TLS (`npm start`'s main.js):
 * - `MAX_CONNECTIONS`: connection N+1 is closed when accepted while the N open ones are
 *   served, and once they go the server takes new connections again;
 * - a 2 MiB POST from a client that keeps sending (Python requests, curl) reads the 413 in the
 *   error format, 20 times in a row, never a connection reset.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type TLSSocket } from 'node:tls'
import { promisify } from 'node:util'
import { startHttpsServer, OWNER, SECRET } from '../helpers/https-server.js'

const run = promisify(execFile)
const MAX = 4

// One server for both tests (a first start seeds the embedded database: slow on a loaded machine).
t.setTimeout(600_000)
const { origin, dataDir } = await startHttpsServer(t, { MAX_CONNECTIONS: String(MAX), RATE_LIMIT_PER_ADDRESS: '100000', RATE_LIMIT_PER_KEY: '100000' }, 240_000)

/** A TLS connection that completed its handshake, or the reason it did not. */
async function open (port: number, ca: string): Promise<TLSSocket> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' })
    socket.once('secureConnect', () => { resolve(socket) })
    socket.once('error', reject)
    socket.once('close', () => { reject(new Error('closed before the TLS handshake')) })
  })
}

/** One `GET /health` on an open connection: the status line. */
async function health (socket: TLSSocket): Promise<string> {
  return await new Promise((resolve, reject) => {
    let data = ''
    socket.on('data', (d: Buffer) => { data += d.toString() })
    socket.once('end', () => { resolve(data.split('\r\n')[0] ?? '') })
    socket.once('error', reject)
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
  })
}

t.test(`MAX_CONNECTIONS=${MAX}: connection ${MAX + 1} is closed, the ${MAX} open ones are served, then new ones are taken again`, async (t) => {
  const ca = readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8')
  const port = Number(new URL(origin).port)
  const held: TLSSocket[] = []
  for (let i = 0; i < MAX; i++) held.push(await open(port, ca))
  const refused = await open(port, ca).then((s) => { s.destroy(); return 'accepted' }, (err: Error) => err.message)
  t.not(refused, 'accepted', `connection ${MAX + 1} is not served (${refused})`)
  const lines = await Promise.all(held.map(health))
  t.same(lines, Array(MAX).fill('HTTP/1.1 200 OK'), `the ${MAX} open connections are served`)
  // Node counts a connection until its close is processed: allow a moment.
  let status = ''
  for (let i = 0; i < 50 && status !== 'HTTP/1.1 200 OK'; i++) {
    status = await open(port, ca).then(health, () => '')
    if (status !== 'HTTP/1.1 200 OK') await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(status, 'HTTP/1.1 200 OK', 'a new connection is served once the others are gone')
})

t.test('413 over HTTPS: a 2 MiB POST from Python requests and from curl reads the 413 in the error format, 20 times, no reset', async (t) => {
  const caFile = join(dataDir, 'tls', 'cert.pem')
  const script = `
import json, requests, sys
from requests.auth import HTTPDigestAuth
body = b'{"name":"' + b'x' * (2 * 1024 * 1024) + b'"}'
ok, seen = 0, []
for i in range(20):
    try:
        r = requests.post('${origin}/api/v1/catalogs', data=body, headers={'content-type': 'application/json'}, auth=HTTPDigestAuth('${OWNER}', '${SECRET}'), verify='${caFile}', timeout=30)
        if r.status_code == 413 and r.json()['errorCode'] == 'PAYLOAD_TOO_LARGE' and r.headers.get('x-request-id'): ok += 1
        else: seen.append(r.status_code)
    except Exception as e:
        seen.append(type(e).__name__ + ': ' + str(e)[:200])
print(json.dumps({'ok': ok, 'other': seen}))
`
  const py = await run('python3', ['-c', script], { timeout: 240_000, maxBuffer: 1 << 20 }).catch((e: Error & { stdout?: string, stderr?: string }) => ({ stdout: JSON.stringify({ ok: 0, other: [e.message, e.stderr ?? ''] }) }))
  t.same(JSON.parse(py.stdout), { ok: 20, other: [] }, 'Python requests: twenty 413s read, no reset')

  const bodyFile = join(t.testdir({}), 'body.json')
  writeFileSync(bodyFile, `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`)
  let curlOk = 0
  const curlOther: string[] = []
  for (let i = 0; i < 20; i++) {
    const out = await run('curl', ['-sS', '--cacert', caFile, '--digest', '-u', `${OWNER}:${SECRET}`, '-H', 'content-type: application/json', '--data-binary', `@${bodyFile}`, '-w', '\n%{http_code}', `${origin}/api/v1/catalogs`], { timeout: 60_000, maxBuffer: 1 << 22 })
      .catch((e: Error & { stdout?: string, stderr?: string }) => ({ stdout: `curl failed: ${e.stderr ?? e.message}` }))
    const [body = '', code = ''] = [out.stdout.slice(0, out.stdout.lastIndexOf('\n')), out.stdout.slice(out.stdout.lastIndexOf('\n') + 1)]
    let errorCode: unknown
    try { errorCode = (JSON.parse(body) as { errorCode?: string }).errorCode } catch { errorCode = undefined }
    if (code === '413' && errorCode === 'PAYLOAD_TOO_LARGE') curlOk++
    else curlOther.push(`${code} ${out.stdout.slice(0, 200)}`)
  }
  t.same({ ok: curlOk, other: curlOther }, { ok: 20, other: [] }, 'curl --digest: twenty 413s read (exit 0), no reset')
})
