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
import { InvalidOptionError, insufficientRole, unauthorized } from './errors.js'
import { buildChallenges } from './lib/digest/challenge.js'
import { createDigestVerifier } from './lib/digest/verify.js'
import { isDigestAlgorithm } from './lib/ha1.js'
import { createNonce, deriveOpaque } from './lib/nonce.js'
import { DEFAULT_ROLES, hasPermission, permissionSyntaxError } from './lib/roles.js'

export { computeHA1 } from './lib/ha1.js'
export { digestAuthorization, type DigestAuthorizationOptions } from './lib/digest/client.js'
export { DEFAULT_ROLES, hasPermission } from './lib/roles.js'
export { MemoryKeyStore } from './lib/memory-key-store.js'
export type { AccessListEntry, Principal } from '@platform-api/envelope'
export { InsufficientRoleError, InvalidChallengeError, InvalidOptionError, UnauthorizedError } from './errors.js'

/** A Digest algorithm this package implements (RFC 7616 §3.3). The `-sess` variants are not supported. */
export type DigestAlgorithm = 'SHA-256' | 'MD5'

/** What a {@link KeyStore} returns for an API key. The private key itself is never stored. */
export interface ApiKeyCredentials {
  /** The key's stable identifier (e.g. the `apiKeys` entity id). */
  id: string
  /** The public key: the Digest `username`. */
  publicKey: string
  /** Role names, e.g. `['ORG_MEMBER']`; looked up in the plugin's `roles` option. */
  roles: readonly string[]
  /**
   * HA1 = H(publicKey ":" realm ":" privateKey) per algorithm, lowercase hex
   * (RFC 7616 §3.4.2); see `computeHA1`. A key without an HA1 for the algorithm the
   * client uses cannot authenticate with it. The realm must be the plugin's `realm`.
   */
  ha1: Partial<Record<DigestAlgorithm, string>>
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
   * Algorithms offered and accepted; one challenge each, SHA-256 first. MD5 is weak
   * and only for clients that lack SHA-256: opt in with `['SHA-256', 'MD5']`.
   * @defaultValue `['SHA-256']`
   */
  algorithms?: DigestAlgorithm[]
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

/** Defaults of the optional options. */
const DEFAULTS = {
  realm: 'platform-api',
  algorithms: ['SHA-256'] as DigestAlgorithm[],
  nonceLifetimeSeconds: 300,
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
  const { keyStore, realm, algorithms, nonceLifetimeSeconds, nonceSecret, roles, addHook } = merged
  if (typeof addHook !== 'boolean') throw new InvalidOptionError('addHook must be a boolean')

  if (keyStore === null || typeof keyStore !== 'object' || typeof keyStore.getByPublicKey !== 'function') {
    throw new InvalidOptionError('keyStore is required and must have a getByPublicKey(publicKey) method')
  }
  if (typeof realm !== 'string' || realm.length === 0 || !isPrintableAscii(realm)) {
    throw new InvalidOptionError('realm must be a non-empty string of printable ASCII characters')
  }
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new InvalidOptionError('algorithms must be a non-empty array of "SHA-256" and/or "MD5"')
  }
  for (const algorithm of algorithms) {
    if (!isDigestAlgorithm(algorithm)) {
      throw new InvalidOptionError(`unknown algorithm ${JSON.stringify(algorithm)} (supported: "SHA-256", "MD5")`)
    }
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
    algorithms: [...new Set(algorithms)],
    nonceLifetimeSeconds,
    nonceSecret: secret,
    roles,
    addHook
  }
}

const plugin: FastifyPluginAsync<AuthOptions> = async function platformAuthPlugin (fastify, options) {
  const settings = resolveOptions(options)
  const { realm, algorithms, nonceSecret, roles, addHook } = settings
  const opaque = deriveOpaque(nonceSecret, realm)
  const verify = createDigestVerifier({ ...settings, opaque })

  fastify.decorateRequest('principal', null)

  async function verifyDigest (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const outcome = await verify({
      method: request.method,
      url: request.originalUrl,
      authorization: request.headers.authorization
    })
    if (outcome.ok) {
      const { id, publicKey, roles: keyRoles, accessList } = outcome.credentials
      request.principal = accessList === undefined
        ? { id, publicKey, roles: keyRoles }
        : { id, publicKey, roles: keyRoles, accessList }
      return
    }
    const challenges = buildChallenges({ realm, algorithms, nonce: createNonce(nonceSecret), opaque, stale: outcome.stale })
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
    fastify.addHook('onRequest', async function authenticate (request: FastifyRequest, reply: FastifyReply) {
      if (request.routeOptions.config?.auth === false) return
      await verifyDigest(request, reply)
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

    const permissionHook = async function checkRoutePermission (request: FastifyRequest): Promise<void> {
      checkPermission(request, permission as string)
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
