/**
 * `@platform-api/auth`: API keys checked with HTTP Digest (RFC 7616), roles mapped to
 * route permissions.
 *
 * - Every request is authenticated in a global `onRequest` hook (before the body is
 *   read) unless its route sets `config.auth: false`. Success sets `request.principal`;
 *   failure is a 401 `UNAUTHORIZED` carrying a fresh `WWW-Authenticate` challenge.
 * - A route with `config.permission` gets a route-level `onRequest` hook (it runs after
 *   every global `onRequest` hook, e.g. the access list's) that answers 403
 *   `INSUFFICIENT_ROLE` unless one of the principal's roles grants the permission.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { AccessListEntry, Principal } from '@platform-api/envelope'
import { InvalidOptionError, insufficientRole, invalidMethodOverride, unauthorized } from './errors.js'
import { buildChallenges } from './lib/digest/challenge.js'
import { createDigestVerifier } from './lib/digest/verify.js'
import { DIGEST_ALGORITHMS, isDigestAlgorithm, type DigestAlgorithm, type DigestHashName } from './lib/ha1.js'
import { refusedMethodOverride, requestLineMethod } from './lib/method-override.js'
import { createNonce, deriveOpaque } from './lib/nonce.js'
import { MemoryNonceCountStore, type NonceCountStore } from './lib/nonce-count-store.js'
import { DEFAULT_ROLES, hasPermission, permissionSyntaxError, rolesGranting } from './lib/roles.js'

export {
  computeHA1, computeAllHA1, computeUserhash, DIGEST_ALGORITHMS, DIGEST_HASH_NAMES,
  type DigestAlgorithm, type DigestHashName
} from './lib/ha1.js'
export { digestAuthorization, type DigestAuthorizationOptions } from './lib/digest/client.js'
export { createDigestVerifier, type DigestOutcome, type DigestRequest, type DigestVerifierOptions } from './lib/digest/verify.js'
export { DEFAULT_ROLES, hasPermission } from './lib/roles.js'
export { MemoryKeyStore } from './lib/memory-key-store.js'
export {
  MemoryNonceCountStore, type MemoryNonceCountStoreOptions, type NonceCountResult, type NonceCountStore, type NonceInfo
} from './lib/nonce-count-store.js'
export { RedisNonceCountStore, type RedisNonceCountStoreOptions, type RedisScriptClient } from './lib/redis-nonce-count-store.js'
export { methodOverride, type MethodOverrideOptions } from './lib/method-override.js'
export { createNonce } from './lib/nonce.js'
export type { AccessListEntry, Principal } from '@platform-api/envelope'
export {
  InsufficientRoleError, InvalidChallengeError, InvalidMethodOverrideError, InvalidOptionError, UnauthorizedError
} from './errors.js'

/** What a {@link KeyStore} returns for an API key. The private key itself is never stored. */
export interface ApiKeyCredentials {
  /** The key's stable identifier (e.g. the `apiKeys` entity id). */
  id: string
  /** The public key: the Digest `username`. */
  publicKey: string
  /** Role names, e.g. `['ORG_MEMBER']`; looked up in the plugin's `roles` option. */
  roles: readonly string[]
  /**
   * HA1 = H(publicKey ":" realm ":" privateKey) per hash function (`MD5`, `SHA-256`,
   * `SHA-512-256`), lowercase hex (RFC 7616 §3.4.2); see `computeAllHA1`. A `-sess`
   * algorithm uses the HA1 of its hash function. A key without the HA1 of the hash
   * function the client uses cannot authenticate with it. The realm must be the plugin's `realm`.
   */
  ha1: Partial<Record<DigestHashName, string>>
  /** The key's IP access list, passed through to `request.principal` untouched. */
  accessList?: readonly AccessListEntry[]
}

/** Where the plugin finds API keys. Implemented by `MemoryKeyStore` and by the resource stores. */
export interface KeyStore {
  /**
   * Resolves the credentials whose `publicKey` equals `publicKey`, or `undefined`.
   * A rejection becomes a 500, not a 401 (a store failure is not a bad credential).
   */
  getByPublicKey(publicKey: string): Promise<ApiKeyCredentials | undefined>
  /**
   * Optional; needed for the `userhash` option (RFC 7616 §3.4.4). Resolves the credentials
   * whose H(publicKey ":" realm) with hash function `hash` equals `userhash` (lowercase
   * hex), or `undefined`.
   */
  getByUserhash?(userhash: string, hash: DigestHashName, realm: string): Promise<ApiKeyCredentials | undefined>
}

/** Options of the plugin. Checked once at registration; a bad one throws `AUTH_INVALID_OPTION`. */
export interface AuthOptions {
  /** Required. Looks up API keys by public key. */
  keyStore: KeyStore
  /**
   * The protection space sent in challenges and required in credentials (RFC 7616 §3.3).
   * HA1 hashes depend on it: changing it invalidates every stored HA1. Printable ASCII
   * only (it goes into a header; `"` and `\` are escaped).
   * @defaultValue `'platform-api'`
   */
  realm?: string
  /**
   * Algorithms offered and accepted, in the order the challenges are sent (one
   * `WWW-Authenticate` line each; RFC 7616 §3.3, §3.7). An answer with any other
   * algorithm is refused, so a client cannot be talked down to a weaker one than offered.
   * The default lets every client of the measured interop matrix in (see the README,
   * "Which algorithms, in which order"); `['SHA-256']` is the strict mode.
   * @defaultValue `DEFAULT_ALGORITHMS`
   */
  algorithms?: DigestAlgorithm[]
  /**
   * Replay protection: where the highest `nc` of each nonce is kept (RFC 7616 §5.5).
   * Instances behind a load balancer must share one (`RedisNonceCountStore`). A store
   * you pass is yours to close; the default one is closed with the app.
   * @defaultValue a `MemoryNonceCountStore` per registration
   */
  nonceCountStore?: NonceCountStore
  /**
   * Send `charset=UTF-8` in challenges (RFC 7616 §3.3, §4): clients hash usernames and
   * passwords as UTF-8, which the server does anyway.
   * @defaultValue `true`
   */
  charset?: boolean
  /**
   * Send `userhash=true` in challenges and accept hashed usernames (RFC 7616 §3.4.4), so
   * the public key does not travel in the clear. Needs `keyStore.getByUserhash`.
   * @defaultValue `false`
   */
  userhash?: boolean
  /**
   * How long a nonce stays valid, in seconds (> 0). A request with an expired nonce
   * but right credentials gets a 401 with `stale=true`, so the client retries silently.
   * @defaultValue `300`
   */
  nonceLifetimeSeconds?: number
  /**
   * HMAC-SHA-256 key of the stateless nonces, at least 32 bytes (a string counts its
   * UTF-8 bytes). Default: 32 random bytes made once per process. Instances behind a
   * load balancer MUST share one secret, or a nonce issued by one is refused by another.
   */
  nonceSecret?: string | Buffer
  /**
   * Role name to the permission patterns it grants (`catalog:read`, `catalog:*`, `*`).
   * Replaces the defaults entirely.
   * @defaultValue `DEFAULT_ROLES`
   */
  roles?: Record<string, readonly string[]>
  /**
   * Authenticate every request in a global `onRequest` hook. `false`: add no hook; the check
   * is only the `fastify.verifyDigest` decorator, to compose with `@fastify/auth` (as
   * `@fastify/bearer-auth`'s `addHook: false`). Permission checks stay on in both modes.
   * @defaultValue `true`
   */
  addHook?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The Digest check as a hook function (`onRequest`/`preHandler`, or an `@fastify/auth`
     * strategy): sets `request.principal`, or throws 401 `UNAUTHORIZED` with a fresh challenge.
     */
    verifyDigest: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

/**
 * The default offer, in sending order (RFC 7616 §3.7): `MD5` first, because clients that read
 * only the first challenge (Python urllib) or speak only MD5 (wget, digest-fetch, needle)
 * need it, then `SHA-256`, which the clients that answer the last challenge (Python
 * requests, Java, Apache HttpClient) all speak. Measured figures and the security trade-off:
 * README, "Which algorithms, in which order". Strict mode: `algorithms: ['SHA-256']`.
 */
export const DEFAULT_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze(['MD5', 'SHA-256'] as const)

/** Defaults of the optional options. */
const DEFAULTS = {
  realm: 'platform-api',
  algorithms: DEFAULT_ALGORITHMS as DigestAlgorithm[],
  nonceLifetimeSeconds: 300,
  charset: true,
  userhash: false,
  roles: DEFAULT_ROLES,
  addHook: true
}

/** Minimum length of `nonceSecret`, in bytes. */
const MIN_NONCE_SECRET_BYTES = 32

/** The per-process default nonce secret. */
const PROCESS_NONCE_SECRET = randomBytes(MIN_NONCE_SECRET_BYTES)

/** Marks the permission hooks this plugin adds, so a route is never given two. */
const kPermissionHook = Symbol('platform-api.auth.permissionHook')

interface Settings {
  keyStore: KeyStore
  realm: string
  algorithms: DigestAlgorithm[]
  nonceLifetimeSeconds: number
  nonceSecret: Buffer
  nonceCountStore: NonceCountStore | undefined
  charset: boolean
  userhash: boolean
  roles: Record<string, readonly string[]>
  addHook: boolean
}

function isPrintableAscii (value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/**
 * Merges defaults and validates. An option given as `undefined` takes its default.
 * @throws `AUTH_INVALID_OPTION`
 */
function resolveOptions (options: Partial<AuthOptions> | undefined): Settings {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined))
  const merged: typeof DEFAULTS & Partial<AuthOptions> = { ...DEFAULTS, ...given }
  const { keyStore, realm, algorithms, nonceLifetimeSeconds, nonceSecret, nonceCountStore, charset, userhash, roles, addHook } = merged
  if (typeof addHook !== 'boolean') throw new InvalidOptionError('addHook must be a boolean')

  if (keyStore === null || typeof keyStore !== 'object' || typeof keyStore.getByPublicKey !== 'function') {
    throw new InvalidOptionError('keyStore is required and must have a getByPublicKey(publicKey) method')
  }
  if (typeof realm !== 'string' || realm.length === 0 || !isPrintableAscii(realm)) {
    throw new InvalidOptionError('realm must be a non-empty string of printable ASCII characters')
  }
  const supported = DIGEST_ALGORITHMS.map((a) => JSON.stringify(a)).join(', ')
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new InvalidOptionError(`algorithms must be a non-empty array of ${supported}`)
  }
  for (const algorithm of algorithms) {
    if (!isDigestAlgorithm(algorithm)) {
      throw new InvalidOptionError(`unknown algorithm ${JSON.stringify(algorithm)} (supported: ${supported})`)
    }
  }
  if (new Set(algorithms).size !== algorithms.length) {
    throw new InvalidOptionError('algorithms must not name an algorithm twice')
  }
  if (nonceCountStore !== undefined && (nonceCountStore === null || typeof nonceCountStore !== 'object' || typeof nonceCountStore.advance !== 'function')) {
    throw new InvalidOptionError('nonceCountStore must have an advance(nonce, nc, info) method (e.g. MemoryNonceCountStore, RedisNonceCountStore)')
  }
  if (typeof charset !== 'boolean') throw new InvalidOptionError('charset must be a boolean')
  if (typeof userhash !== 'boolean') throw new InvalidOptionError('userhash must be a boolean')
  if (userhash && typeof keyStore.getByUserhash !== 'function') {
    throw new InvalidOptionError('userhash: true needs a keyStore with a getByUserhash(userhash, hash, realm) method')
  }
  if (typeof nonceLifetimeSeconds !== 'number' || !Number.isFinite(nonceLifetimeSeconds) || nonceLifetimeSeconds <= 0) {
    throw new InvalidOptionError('nonceLifetimeSeconds must be a finite number greater than 0')
  }
  let secret: Buffer
  if (nonceSecret === undefined) {
    secret = PROCESS_NONCE_SECRET
  } else if (typeof nonceSecret === 'string' || Buffer.isBuffer(nonceSecret)) {
    secret = Buffer.from(nonceSecret)
    if (secret.length < MIN_NONCE_SECRET_BYTES) {
      throw new InvalidOptionError(`nonceSecret must be at least ${MIN_NONCE_SECRET_BYTES} bytes`)
    }
  } else {
    throw new InvalidOptionError('nonceSecret must be a string or a Buffer')
  }
  if (roles === null || typeof roles !== 'object' || Array.isArray(roles)) {
    throw new InvalidOptionError('roles must be an object mapping role names to arrays of permission patterns')
  }
  for (const [role, patterns] of Object.entries(roles)) {
    if (!Array.isArray(patterns)) {
      throw new InvalidOptionError(`roles.${role} must be an array of permission patterns`)
    }
    for (const pattern of patterns as unknown[]) {
      const problem = permissionSyntaxError(pattern, true)
      if (problem !== undefined) throw new InvalidOptionError(`roles.${role}: pattern ${problem}`)
    }
  }

  return {
    keyStore,
    realm,
    algorithms: [...algorithms],
    nonceLifetimeSeconds,
    nonceSecret: secret,
    nonceCountStore,
    charset,
    userhash,
    roles,
    addHook
  }
}

const plugin: FastifyPluginAsync<AuthOptions> = async function platformAuthPlugin (fastify, options) {
  const settings = resolveOptions(options)
  const { realm, algorithms, nonceSecret, roles, charset, userhash, addHook } = settings
  const opaque = deriveOpaque(nonceSecret, realm)
  const ownStore = settings.nonceCountStore === undefined ? new MemoryNonceCountStore() : undefined
  const nonceCountStore = settings.nonceCountStore ?? ownStore
  const verify = createDigestVerifier({ ...settings, nonceCountStore, opaque })
  if (ownStore !== undefined) fastify.addHook('onClose', async () => { ownStore.close() })

  fastify.decorateRequest('principal', null)

  async function verifyDigest (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const refused = refusedMethodOverride(request.raw)
    if (refused !== undefined) throw invalidMethodOverride(refused)
    const outcome = await verify({
      method: requestLineMethod(request.raw, request.method),
      url: request.originalUrl,
      authorization: request.headers.authorization
    })
    if (outcome.ok) {
      const { id, publicKey, roles: keyRoles, accessList } = outcome.credentials
      request.principal = accessList === undefined
        ? { id, publicKey, roles: keyRoles }
        : { id, publicKey, roles: keyRoles, accessList }
      reply.header('authentication-info', outcome.authenticationInfo)
      return
    }
    const challenges = buildChallenges({ realm, algorithms, nonce: createNonce(nonceSecret), opaque, charset, userhash, stale: outcome.stale })
    const value = challenges.length === 1 ? challenges[0] as string : challenges
    reply.header('www-authenticate', value)
    throw unauthorized(value)
  }
  fastify.decorate('verifyDigest', verifyDigest)

  function checkPermission (request: FastifyRequest, permission: string): void {
    if (!hasPermission(request.principal?.roles ?? [], permission, roles)) throw insufficientRole(permission)
  }
  fastify.decorate('checkPermission', checkPermission)

  if (addHook) {
    // Callback style: the verifier's promise is the only one per request (issue 12: CPU per request).
    fastify.addHook('onRequest', function authenticate (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
      if (request.routeOptions.config?.auth === false) { done(); return }
      verifyDigest(request, reply).then(() => { done() }, done)
    })
  }

  fastify.addHook('onRoute', function addPermissionCheck (routeOptions) {
    const permission: unknown = routeOptions.config?.permission
    if (permission === undefined) return
    const problem = permissionSyntaxError(permission, false)
    if (problem !== undefined) {
      throw new InvalidOptionError(`config.permission of ${routeOptions.method} ${routeOptions.url}: ${problem}`)
    }
    const existing = routeOptions.onRequest
    const hooks = existing === undefined ? [] : Array.isArray(existing) ? [...existing] : [existing]
    if (hooks.some((hook) => (hook as unknown as Record<symbol, unknown>)[kPermissionHook] === true)) return

    // Which roles grant this route's permission, decided once: the check per request is one
    // Set lookup per role of the key, whatever the number of routes and patterns.
    const granting = rolesGranting(permission as string, roles)
    const permissionHook = function checkRoutePermission (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
      const keyRoles = request.principal?.roles
      if (keyRoles !== undefined) {
        for (let i = 0; i < keyRoles.length; i++) {
          if (granting.has(keyRoles[i] as string)) { done(); return }
        }
      }
      done(insufficientRole(permission as string))
    }
    Object.defineProperty(permissionHook, kPermissionHook, { value: true })
    hooks.push(permissionHook as unknown as onRequestHookHandler)
    routeOptions.onRequest = hooks
  })
}

/**
 * The plugin. Register it before the routes it protects (and before
 * `@platform-api/access-list`, which needs the `request.principal` it decorates).
 * Decorates `request.principal`, `fastify.verifyDigest` and `fastify.checkPermission`:
 *
 * ```ts
 * await app.register(platformAuth, { keyStore })
 * app.get('/catalogs', { config: { permission: 'catalog:read' } }, handler)
 * app.get('/health', { config: { auth: false } }, () => ({ ok: true }))
 * ```
 *
 * With `addHook: false` it adds no global hook, for `@fastify/auth` composition:
 * `app.get('/x', { onRequest: app.auth([app.verifyDigest, app.verifyBearerAuth]) }, handler)`.
 *
 * @throws `AUTH_INVALID_OPTION` at registration for a bad option, or when a route's
 *   `config.permission` is not a valid `<group>:<action>` permission.
 */
export const platformAuth = fp(plugin, { fastify: '5.x', name: '@platform-api/auth' })

export default platformAuth
