/**
 * Rate limits of the example server, with `@fastify/rate-limit` (issue 11):
 * - per client address, in `onRequest` before authentication, so every request counts,
 *   failed Digest attempts included (a password guesser is slowed down before any hash is checked);
 * - per API key, in `onRequest` right after authentication (`request.principal`).
 * Over the limit: 429 in the error format, `errorCode: RATE_LIMITED`, with `Retry-After` and
 * the IETF `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` headers. With
 * several instances behind a load balancer the counters live in Redis (`REDIS_URL`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fastifyRateLimit from '@fastify/rate-limit'
import type { Redis } from 'ioredis'
import { RateLimitedError } from './errors.js'

/** Rate limit settings; counts per `timeWindowMs`. */
export interface RateLimitSettings {
  /** Requests per window from one client address, before authentication. Default 3000. */
  perAddressMax?: number
  /** Requests per window with one API key, after authentication. Default 1200. */
  perKeyMax?: number
  /** The window, in milliseconds. Default 60000. */
  timeWindowMs?: number
  /** Shared counters for several instances. Default: in process. */
  redis?: Redis
}

/** 429 as the envelope renders it (`statusCode`, `code`, `message`). */
function rateLimited (_request: FastifyRequest, context: { after: string, max: number }): Error {
  return new RateLimitedError(String(context.max), context.after)
}

/**
 * Register the limiter, the per-address hook (`onRequest`) and the per-key hook (`preParsing`,
 * after authentication). Call before the suite is registered, so the hooks reach its routes.
 * @throws Error for a setting that is not a positive integer.
 */
export async function registerRateLimits (app: FastifyInstance, settings: RateLimitSettings = {}): Promise<void> {
  const { perAddressMax = 3000, perKeyMax = 1200, timeWindowMs = 60_000 } = settings
  for (const [k, v] of Object.entries({ perAddressMax, perKeyMax, timeWindowMs })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`rate limit ${k} must be a positive integer`)
  }
  const common = {
    global: false,
    enableDraftSpec: true,
    errorResponseBuilder: rateLimited,
    ...(settings.redis !== undefined ? { redis: settings.redis, nameSpace: 'platform-api-rl-' } : {})
  }
  // A limiter runs once per request per registration, so the per-key one is registered in its own (encapsulated) context.
  let perKey: ReturnType<FastifyInstance['rateLimit']> | undefined
  await app.register(async function perKeyLimiter (child) {
    await child.register(fastifyRateLimit, common)
    perKey = child.rateLimit({
      max: perKeyMax,
      timeWindow: timeWindowMs,
      keyGenerator: (request) => `key:${request.principal?.publicKey ?? ''}`,
      allowList: (request) => request.principal == null
    })
  })
  await app.register(fastifyRateLimit, common)
  app.addHook('onRequest', app.rateLimit({ max: perAddressMax, timeWindow: timeWindowMs, keyGenerator: (request) => `ip:${request.ip}` }))
  const limitKey = perKey as NonNullable<typeof perKey>
  // `preParsing` runs after every `onRequest` hook (authentication included) and before the body is read.
  // Callback style: the limiter's promise is the only one (issue 12: CPU per request).
  app.addHook('preParsing', function limitPerKey (request, reply, payload, done) {
    (limitKey.call(this, request, reply) as unknown as Promise<void>).then(() => { done(null, payload) }, done)
  })
}
