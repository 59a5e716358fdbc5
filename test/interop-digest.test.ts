/**
 * Issue 6, interop: the built example server over HTTPS, a key CREATED THROUGH THE API, and
 * ten real Digest clients (the nine of the issue and Ruby), each doing a GET, a POST and a PATCH with its default settings
 * (Java's HttpURLConnection cannot send PATCH: it POSTs with X-HTTP-Method-Override).
 * A client missing on the machine is skipped with the reason; with CI=true it fails instead.
 * Also over HTTPS: a captured POST /apiKeys replayed with another body is refused.
 */
import t from 'tap'
import { request as httpsRequest } from 'node:https'
import { existsSync } from 'node:fs'
import { digestAuthorization } from '@platform-api/auth'
import { curl, MAIN, startServer } from './helpers/server.js'
import { DIGEST_CLIENTS } from './helpers/digest-clients.js'

const OWNER = 'interopowner'
const SECRET = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'
const CI = process.env.CI === 'true'

/** One HTTPS request with Node (self-signed certificate accepted). */
async function send (url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, rejectUnauthorized: false }, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { data += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('the example server over HTTPS, a key created through the API, ten Digest clients', async (t) => {
    const dataDir = t.testdir({})
    const server = await startServer({ DATA_DIR: dataDir, ADMIN_PUBLIC_KEY: OWNER, ADMIN_PRIVATE_KEY: SECRET })
    t.teardown(async () => { await server.stop() })
    const { origin } = server
    const admin = ['--digest', '-u', `${OWNER}:${SECRET}`]

    // The key every client uses, created through the API (so it holds what the API stores: HA1s only).
    const created = await curl([...admin, '-X', 'POST', '-H', 'Content-Type: application/json', '-d',
      JSON.stringify({ description: 'interop', roles: ['ORG_MEMBER'], accessList: [{ cidrBlock: '127.0.0.1/32' }] }), `${origin}/api/v1/apiKeys`])
    if (created.status !== 201) throw new Error(`creating the interop key: ${created.status} ${created.body}`)
    const key = JSON.parse(created.body) as { publicKey: string, privateKey: string }

    const matrix: string[] = []
    t.teardown(() => { if (matrix.length > 0) t.comment(`interop matrix (GET/POST/PATCH):\n${matrix.join('\n')}`) })

    for (const client of DIGEST_CLIENTS) {
      const missing = await client.missing()
      const skip = missing !== undefined && !CI ? `${client.name}: ${missing}` : false
      await t.test(`${client.name}: GET, POST and PATCH with a key created through the API`, { skip }, async (t) => {
        if (missing !== undefined) { t.fail(`CI=true: ${client.name} must be installed: ${missing}`); return }
        const slug = client.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
        // the catalog this client patches, made beforehand by the admin
        const target = await curl([...admin, '-X', 'POST', '-H', 'Content-Type: application/json', '-d',
          JSON.stringify({ name: `patch-${slug}`, type: 'internal' }), `${origin}/api/v1/catalogs`])
        t.equal(target.status, 201)
        const targetId = (JSON.parse(target.body) as { id: string }).id

        const results = await client.run([
          { method: 'GET', url: `${origin}/api/v1/catalogs?limit=2` },
          { method: 'POST', url: `${origin}/api/v1/catalogs`, body: JSON.stringify({ name: `by-${slug}`, type: 'iceberg' }) },
          { method: 'PATCH', url: `${origin}/api/v1/catalogs/${targetId}`, body: JSON.stringify({ description: `patched by ${client.name}` }), contentType: 'application/merge-patch+json' }
        ], key.publicKey, key.privateKey)
        matrix.push(`${client.name}: ${results.map((r) => r.status).join('/')}`)
        const [get, post, patch] = results
        t.equal(get?.status, 200, `GET 200 ${get?.status === 200 ? '' : get?.body}`)
        t.equal(JSON.parse(get?.body ?? '{}').data?.length, 2, 'GET answered the list')
        t.equal(post?.status, 201, `POST 201 ${post?.status === 201 ? '' : post?.body}`)
        t.equal(JSON.parse(post?.body ?? '{}').name, `by-${slug}`, 'POST created the catalog')
        t.equal(patch?.status, 200, `PATCH 200 ${patch?.status === 200 ? '' : patch?.body}`)
        t.equal(JSON.parse(patch?.body ?? '{}').description, `patched by ${client.name}`, 'PATCH changed the catalog')
        t.equal(JSON.parse(patch?.body ?? '{}').version, 2)
      })
    }

    await t.test('over HTTPS: a captured POST /apiKeys resent with another body is 401 and creates nothing; Authentication-Info', async (t) => {
      const url = `${origin}/api/v1/apiKeys`
      const first = await send(url, 'GET', {})
      t.equal(first.status, 401)
      const challenge = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).join(', ')
      const authorization = digestAuthorization({ challenge, username: OWNER, password: SECRET, method: 'POST', uri: '/api/v1/apiKeys', algorithm: 'SHA-256' })
      const genuine = await send(url, 'POST', { authorization, 'content-type': 'application/json' },
        JSON.stringify({ description: 'genuine', roles: ['ORG_READ_ONLY'], accessList: [{ cidrBlock: '127.0.0.1/32' }] }))
      t.equal(genuine.status, 201)
      t.match(genuine.headers['authentication-info'], /^rspauth="[0-9a-f]{64}", qop=auth, nc=00000001, cnonce="[^"]+"/)
      const attack = await send(url, 'POST', { authorization, 'content-type': 'application/json' },
        JSON.stringify({ description: 'attack', roles: ['ORG_OWNER'], accessList: [{ cidrBlock: '0.0.0.0/0' }] }))
      t.equal(attack.status, 401, 'the replay is refused')
      t.equal(JSON.parse(attack.body).errorCode, 'UNAUTHORIZED')
      t.notMatch(attack.body, /privateKey/, 'no private key answered')
      const keys = await curl([...admin, `${url}?limit=100`])
      const descriptions = (JSON.parse(keys.body) as { data: Array<{ description?: string }> }).data.map((k) => k.description)
      t.ok(descriptions.includes('genuine'))
      t.notOk(descriptions.includes('attack'), 'no key was created by the replay')
    })
  })
}
