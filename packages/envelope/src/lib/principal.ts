/**
 * The contract between an authentication and the plugins that act on who the caller is:
 * `request.principal`. `@platform-api/auth` sets it from an API key; any other
 * authentication (`@fastify/bearer-auth`, `@fastify/basic-auth`, an app's own hook) can set
 * it too, and `@platform-api/access-list` then works behind it. Declared once, here.
 */

/**
 * One entry of an API key's IP access list (MongoDB Atlas field names). Exactly one of
 * `ipAddress` and `cidrBlock` is set. Validated and normalized by `@platform-api/access-list`.
 */
export interface AccessListEntry {
  /** A single client address: IPv4 in four-part decimal (`192.0.2.10`) or IPv6 (`2001:db8::10`). */
  ipAddress?: string
  /** A network in CIDR notation (RFC 4632 / RFC 4291 §2.3), host bits clear: `10.0.0.0/24`, `2001:db8::/32`. */
  cidrBlock?: string
  /** Free text for people; not interpreted. */
  comment?: string
  /**
   * ISO-8601 date or date-time after which the entry no longer grants access
   * (`2030-01-31`, `2030-01-31T12:00:00Z`); a value without a zone is UTC.
   */
  deleteAfterDate?: string
}

/** The authenticated caller, on `request.principal` (`null` until an authentication sets it). */
export interface Principal {
  /** A stable identifier of the credential (e.g. the `apiKeys` entity id). */
  id: string
  /** The API key's public key (the Digest `username`), or the caller's user name. */
  publicKey: string
  /** Role names, e.g. `['ORG_MEMBER']`. */
  roles: readonly string[]
  /** The IP access list of the credential; read by `@platform-api/access-list`. */
  accessList?: readonly AccessListEntry[]
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: this route needs no authentication. Default: authenticated. */
    auth?: boolean
    /**
     * The permission the route requires, `<group>:<action>` (e.g. `catalog:write`). A route
     * that declares one is refused at boot unless an authorization enforces it.
     */
    permission?: string
  }
  interface FastifyInstance {
    /**
     * Throws 403 unless `request.principal` holds `permission`. Decorated by the
     * authorization that enforces `config.permission` (`@platform-api/auth`); its presence
     * is what the envelope and the resources check at boot.
     */
    checkPermission: (request: FastifyRequest, permission: string) => void
  }
  interface FastifyRequest {
    /**
     * The authenticated caller, or `null` (not authenticated, or a route with
     * `config.auth: false`). Decorated by the authentication (`decorateRequest('principal', null)`).
     */
    principal: Principal | null
  }
}
