/**
 * @platform-api/access-list: a per-API-key IP access list (YugabyteDB seed "API network
 * access"; MongoDB Atlas `ipAddress` / `cidrBlock` entries).
 *
 * After an authentication (ours, `@fastify/bearer-auth`, an app's own hook) has set
 * `request.principal`, an `onRequest` hook checks
 * `request.ip` against the key's access list and refuses other addresses with 403
 * `IP_ADDRESS_NOT_ON_ACCESS_LIST`. Unauthenticated requests (`principal === null`) and
 * routes with `config.accessList === false` are not checked.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import ipaddr from 'ipaddr.js'
import { withParameters } from '@platform-api/envelope'
import { AccessListInvalidOptionError, IpAddressNotOnAccessListError, AccessListUnusableError } from './errors.js'
import type { AccessListEntry, Principal } from '@platform-api/envelope'
import { CompiledAccessList } from './lib/matcher.js'

export {
  IpAddressNotOnAccessListError, InvalidAccessListEntryError, AccessListUnusableError, AccessListInvalidOptionError
} from './errors.js'
export { parseAccessListEntry, type AccessListEntry, type AddressKind, type ParsedEntry } from './lib/entry.js'
export { compileAccessList, type AccessListMatcher } from './lib/matcher.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: requests to this route are not checked against the API key's access list. */
    accessList?: boolean
  }
}

/** What the access list is read from, for one request. */
export type AccessListSource = (
  request: FastifyRequest
) => readonly AccessListEntry[] | undefined | Promise<readonly AccessListEntry[] | undefined>

/** Options of the access-list plugin; each is checked once, at registration. */
export interface AccessListOptions {
  /**
   * Returns the access list of the request's API key; called only when
   * `request.principal` is set. Default: `request.principal.accessList`.
   * Compiled lists are cached per array instance: return the same (unmodified) array
   * for the same list, and a new array when the list changes.
   */
  getAccessList?: AccessListSource
  /**
   * Let a key whose access list is empty or missing through from any address.
   * Default `false`: such a key is refused (YugabyteDB seed: "A key with an empty access
   * list is refused unless the app opts out"). A list whose entries have all expired is
   * not empty: it matches nothing.
   */
  allowEmpty?: boolean
  /**
   * Called, synchronously, for every request an entry admits, with the entry's normal form
   * (`ipAddress` or `cidrBlock`) and the client address: the place to count usage (Atlas
   * `lastUsedAt`, `lastUsedAddress`, `count`) off the request path, in batches. Keep it cheap.
   */
  onMatch?: (request: FastifyRequest, entry: string, address: string) => void
}

function principalOf (request: FastifyRequest): Principal | null {
  return request.principal ?? null
}

/** A client address parsed for matching, with its normal text form. */
interface ClientAddress { address: ipaddr.IPv4 | ipaddr.IPv6, text: string }

/** The client address as matched: IPv4-mapped IPv6 becomes IPv4; `undefined` when unusable. */
function parseClientAddress (ip: string): ClientAddress | undefined {
  try {
    const address = ipaddr.process(ip)
    return { address, text: address.toString() }
  } catch {
    return undefined
  }
}

/** Distinct client addresses whose parse is remembered (a client sends many requests); then it starts over. */
const REMEMBERED_ADDRESSES = 1024

const DEFAULTS: Required<Omit<AccessListOptions, 'onMatch'>> = {
  getAccessList: (request) => principalOf(request)?.accessList,
  allowEmpty: false
}

function resolveOptions (options: AccessListOptions): Required<Omit<AccessListOptions, 'onMatch'>> & Pick<AccessListOptions, 'onMatch'> {
  const resolved = { ...DEFAULTS, ...options }
  if (resolved.onMatch !== undefined && typeof resolved.onMatch !== 'function') {
    throw new AccessListInvalidOptionError('onMatch must be a function (request, entry, address) => void')
  }
  if (typeof resolved.getAccessList !== 'function') {
    throw new AccessListInvalidOptionError('getAccessList must be a function (request) => AccessListEntry[] | undefined')
  }
  if (typeof resolved.allowEmpty !== 'boolean') {
    throw new AccessListInvalidOptionError('allowEmpty must be a boolean')
  }
  return resolved
}

async function platformAccessListPlugin (fastify: FastifyInstance, options: AccessListOptions): Promise<void> {
  const { getAccessList, allowEmpty, onMatch } = resolveOptions(options)
  const compiled = new WeakMap<readonly AccessListEntry[], CompiledAccessList>()
  const addresses = new Map<string, ClientAddress | undefined>()
  /** `parseClientAddress`, remembered per address text (`request.ip`). */
  function clientAddress (ip: string): ClientAddress | undefined {
    let parsed = addresses.get(ip)
    if (parsed === undefined && !addresses.has(ip)) {
      parsed = parseClientAddress(ip)
      if (addresses.size >= REMEMBERED_ADDRESSES) addresses.clear()
      addresses.set(ip, parsed)
    }
    return parsed
  }

  /** The compiled list, from the cache unless an entry has expired since it was compiled. */
  function compile (entries: readonly AccessListEntry[], principal: Principal): CompiledAccessList {
    const nowMs = Date.now()
    let list = compiled.get(entries)
    if (list === undefined || nowMs > list.validUntilMs) {
      try {
        list = new CompiledAccessList(entries, nowMs)
      } catch (err) {
        throw new AccessListUnusableError(principal.id, { cause: err })
      }
      compiled.set(entries, list)
    }
    return list
  }

  // Callback style, synchronous when `getAccessList` answers synchronously (the default): no
  // promise per request (issue 12: CPU per request). A throw is answered by Fastify's hook runner.
  fastify.addHook('onRequest', function checkAccessList (request, _reply, done) {
    const principal = principalOf(request)
    if (principal === null || request.routeOptions.config.accessList === false) { done(); return }

    const entries = getAccessList(request)
    if (entries !== null && typeof entries === 'object' && typeof (entries as { then?: unknown }).then === 'function') {
      (entries as Promise<readonly AccessListEntry[] | undefined>).then((resolved) => {
        try { check(request, principal, resolved) } catch (err) { done(err as Error); return }
        done()
      }, done)
      return
    }
    check(request, principal, entries as readonly AccessListEntry[] | undefined)
    done()
  })

  function check (request: FastifyRequest, principal: Principal, entries: readonly AccessListEntry[] | null | undefined): void {
    const empty = entries == null || entries.length === 0
    if (empty && allowEmpty) return

    const client = clientAddress(request.ip)
    const entry = client === undefined || empty ? undefined : compile(entries, principal).entryFor(client.address)
    if (entry === undefined) {
      const shown = client?.text ?? String(request.ip)
      throw withParameters(new IpAddressNotOnAccessListError(shown), [shown])
    }
    if (onMatch !== undefined) onMatch(request, entry, (client as ClientAddress).text)
  }
}

/**
 * The access-list plugin. Register it after an authentication that decorates
 * `request.principal` (a declared decorator dependency: `ready()` fails without one).
 *
 * The client address is `request.ip`: the socket's address unless the app sets
 * Fastify's `trustProxy`. Options: {@link AccessListOptions}.
 *
 * @throws `ACCESS_LIST_INVALID_OPTION` at registration for a bad option.
 */
const platformAccessList = fp(platformAccessListPlugin, {
  fastify: '5.x',
  name: '@platform-api/access-list',
  // Any authentication that decorates `request.principal` (ours, bearer-auth, basic-auth, an app's hook).
  decorators: { request: ['principal'] }
})

export default platformAccessList
export { platformAccessList }
