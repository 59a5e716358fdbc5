/**
 * Issue 11, rate limits with @fastify/rate-limit: per address before authentication (failed
 * Digest attempts count), per API key after it; 429 RATE_LIMITED in the error format with
 * Retry-After and RateLimit-* headers; counters shared in Redis between instances.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { build, errorFormat, owner } from './helpers.js'
import { digestInject } from '../../examples/platform-server/test/fixtures/digest.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

t.test('per address, before authentication: failed Digest attempts count; then 429 RATE_LIMITED with Retry-After and RateLimit-*', async (t) => {
  const { app } = await build(t, { rateLimit: { perAddressMax: 6, perKeyMax: 1000 } })
  const wrong = { ...owner, password: '00000000-0000-4000-8000-000000000000' }
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push((await digestInject(app, wrong, { method: 'GET', url: '/api/v1/tables' })).statusCode)
  t.same(statuses, [401, 401, 401], 'three failed attempts (six requests with their challenges)')
  const limited = await digestInject(app, owner, { method: 'GET', url: '/api/v1/tables' }).catch(() => undefined)
  const res = limited ?? await app.inject({ method: 'GET', url: '/api/v1/tables' })
  t.equal(res.statusCode, 429, 'even the right password is refused now: the address is limited before authentication')
  t.equal(res.json().errorCode, 'RATE_LIMITED')
  t.notOk(errorFormat(res))
  t.match(res.headers['retry-after'], /^\d+$/)
  t.equal(res.headers['ratelimit-limit'], '6')
  t.equal(res.headers['ratelimit-remaining'], '0')
  t.match(res.headers['ratelimit-reset'], /^\d+$/)
})

t.test('per API key, after authentication', async (t) => {
  const { app } = await build(t, { rateLimit: { perAddressMax: 1000, perKeyMax: 3 } })
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await digestInject(app, owner, { method: 'GET', url: '/api/v1/tables' })).statusCode)
  t.same(statuses, [200, 200, 200, 429], 'the fourth authenticated request of the key')
  const unauthenticated = await app.inject({ method: 'GET', url: '/api/v1/tables' })
  t.equal(unauthenticated.statusCode, 401, 'the key limit does not apply before authentication')
})

t.test('several instances share the counters in Redis', async (t) => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  const up = await redis.connect().then(() => true, () => false)
  if (!up) {
    if (process.env.CI === 'true') t.fail(`CI=true: Redis unreachable at ${REDIS_URL}`)
    else t.comment(`not run: Redis unreachable at ${REDIS_URL}`)
    redis.disconnect()
    return
  }
  t.teardown(async () => { await redis.quit() })
  await redis.eval("for _,k in ipairs(redis.call('keys', 'platform-api-rl-*')) do redis.call('del', k) end", 0)
  const settings = { perAddressMax: 4, perKeyMax: 1000, redis }
  const one = await build(t, { rateLimit: settings })
  const two = await build(t, { rateLimit: settings })
  const statuses: number[] = []
  for (const app of [one.app, two.app, one.app, two.app, one.app]) statuses.push((await app.inject({ method: 'GET', url: '/health' })).statusCode)
  t.same(statuses, [200, 200, 200, 200, 429], 'the fifth request from the address, over two instances')
})
