// `npm run soak`: 60 s of mixed load on the example server (issue 11, "What must show"):
// valid reads and writes with HTTP Digest, and the inject cases of the hostile-input corpus.
// Passes when no answer is 5xx and the server's RSS grows by less than 10 % from the
// warmed-up baseline (median of seconds 10-19) to the end (median of the last 10 seconds). Not part of `npm test`.
// Options (environment): SOAK_SECONDS (60), SOAK_CONCURRENCY (16).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { digestAuthorization } from 'fastify-platform-api'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16)
const OWNER = { username: 'soakowner1', password: '6fa459ea-ee8a-3ca4-894e-db77e160355e' }
const MAIN = fileURLToPath(new URL('../examples/platform-server/dist/main.js', import.meta.url))
const corpus = JSON.parse(readFileSync(new URL('../test/hardening/data/hostile-corpus.json', import.meta.url), 'utf8')).filter((c) => c.kind === 'inject' && c.category !== 'host')

const dataDir = mkdtempSync(join(tmpdir(), 'soak-'))
const child = spawn(process.execPath, [MAIN], {
  env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER.username, ADMIN_PRIVATE_KEY: OWNER.password, RATE_LIMIT_PER_ADDRESS: '1000000', RATE_LIMIT_PER_KEY: '1000000' },
  stdio: ['ignore', 'pipe', 'pipe']
})
// Kept until the server listens (its info log says where), then dropped: request logs are not kept.
let out = ''
let started = false
child.stdout.on('data', (d) => { if (!started) out += d })
child.stderr.on('data', (d) => { if (!started) out += d })
const origin = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 90_000)
  const poll = setInterval(() => {
    const m = /Server listening at (https:\/\/127\.0\.0\.1:\d+)/.exec(out)
    if (m) { started = true; out = ''; clearInterval(poll); clearTimeout(timer); resolve(m[1]) }
  }, 100)
  child.once('exit', (code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`the server exited with ${code}:\n${out}`)) })
})

const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: CONCURRENCY })
function send (method, path, headers = {}, body) {
  return new Promise((resolve) => {
    let req
    // Node's client refuses some corpus headers (e.g. a NUL in a value): such a case is not sent.
    try { req = request(origin + path, { method, headers, agent, timeout: 30_000 }, onAnswer) } catch { resolve({ status: -1, headers: {}, text: '' }); return }
    function onAnswer (res) {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
    }
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({ status: 0, headers: {}, text: err.message }))
    req.end(body)
  })
}

/** One Digest session per worker: keeps the challenge, counts nc, asks again on a 401. */
function session () {
  let challenge
  let nc = 0
  return async (method, path, headers = {}, body) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (challenge === undefined) {
        const first = await send('GET', '/api/v1/catalogs?limit=1')
        challenge = [].concat(first.headers['www-authenticate'] ?? []).join(', ')
        nc = 0
      }
      const authorization = digestAuthorization({ challenge, username: OWNER.username, password: OWNER.password, method, uri: path, nc: ++nc })
      const res = await send(method, path, { ...headers, authorization }, body)
      if (res.status !== 401) return res
      challenge = undefined
    }
    return await send(method, path, headers, body)
  }
}

function rssKiB () {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
  return m ? Number(m[1]) : NaN
}

const counts = {}
const fives = []
let requests = 0
const tally = (label, res) => {
  if (res.status === -1) return
  requests++
  const k = `${Math.floor(res.status / 100)}xx`
  counts[k] = (counts[k] ?? 0) + 1
  if (res.status >= 500 || res.status === 0) fives.push(`${label}: ${res.status} ${res.text.slice(0, 160)}`)
}

const deadline = Date.now() + SECONDS * 1000
// One RSS sample a second. A single sample swings with each garbage collection (the peak is far
// above the median), so the warmed-up baseline is the median of seconds 10-19 and the end the
// median of the last 10 seconds.
const samples = []
const sampler = setInterval(() => { samples.push(rssKiB()) }, 1000)
const median = (values) => { const v = [...values].sort((a, b) => a - b); return v[Math.floor(v.length / 2)] }

async function worker (w) {
  const as = session()
  let i = 0
  while (Date.now() < deadline) {
    i++
    const r = (i * 7 + w) % 10
    if (r < 4) {
      tally('list', await as('GET', `/api/v1/${['tables', 'columns', 'catalogs', 'integrations'][i % 4]}?limit=${1 + (i % 50)}`))
    } else if (r < 5) {
      tally('embed', await as('GET', '/api/v1/tables/name/default.tpch.lineitem?fields=columns'))
    } else if (r < 7) {
      const created = await as('POST', '/api/v1/catalogs', { 'content-type': 'application/json' }, JSON.stringify({ name: `soak_${w}_${i}`, description: 'x'.repeat(i % 200) }))
      tally('create', created)
      if (created.status === 201) {
        const id = JSON.parse(created.text).id
        tally('patch', await as('PATCH', `/api/v1/catalogs/${id}`, { 'content-type': 'application/merge-patch+json' }, JSON.stringify({ description: `p${i}` })))
        tally('delete', await as('DELETE', `/api/v1/catalogs/${id}`))
      }
    } else {
      const c = corpus[(i * 31 + w) % corpus.length]
      const path = c.url.replaceAll('{ITEM}', '00000000-0000-4000-8000-000000000000').replaceAll('{CAT}', '00000000-0000-4000-8000-000000000000').replaceAll('{AFTER}', 'x')
      const headers = { ...c.headers }
      if (c.body !== null && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(c.body))
      tally(c.id, c.auth ? await as(c.method, path, headers, c.body ?? undefined) : await send(c.method, path, headers, c.body ?? undefined))
    }
  }
}

let failed = false
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)))
  clearInterval(sampler)
  const baseline = median(samples.slice(10, 20))
  const end = median(samples.slice(-10))
  const growth = (end - baseline) / baseline * 100
  console.log(`soak: ${SECONDS} s, ${CONCURRENCY} workers, ${requests} requests (${Math.round(requests / SECONDS)}/s): ${JSON.stringify(counts)}`)
  console.log(`soak: RSS ${Math.round(baseline / 1024)} MiB (median of seconds 10-19), ${Math.round(end / 1024)} MiB (median of the last 10 s) (${growth.toFixed(1)} %), peak ${Math.round(Math.max(...samples) / 1024)} MiB`)
  if (fives.length > 0) { failed = true; console.log(`soak: FAIL: ${fives.length} answers 5xx or no answer:\n  ${fives.slice(0, 20).join('\n  ')}`) }
  if (!(growth < 10)) { failed = true; console.log('soak: FAIL: RSS grew by 10 % or more') }
  if (!failed) console.log('soak: PASS (0 5xx, RSS growth under 10 %)')
} finally {
  clearInterval(sampler)
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  agent.destroy()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
