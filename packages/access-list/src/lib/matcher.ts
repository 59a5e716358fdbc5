/**
 * A compiled access list: the entries parsed once, split by address family, ready to
 * test client addresses.
 */
import ipaddr from 'ipaddr.js'
import { parseAccessListEntry, type AccessListEntry } from './entry.js'

/** Tests client addresses against a compiled access list. */
export interface AccessListMatcher {
  /**
   * Whether `address` is on the list. The address goes through `ipaddr.process()`, so an
   * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, RFC 4291 §2.5.5.2, what a dual-stack
   * socket reports) matches `127.0.0.1/32`. Otherwise an IPv4 entry never matches an
   * IPv6 address and vice versa. An unparseable address matches nothing.
   */
  matches(address: string): boolean
  /** Number of entries in force (expired ones are not counted). */
  readonly size: number
}

/** A network, its prefix length, and the entry's normal form (`ipAddress` or `cidrBlock`). */
type Range<T> = [T, number, string]

/**
 * The matcher the plugin caches: it also knows when its first entry expires, so that a
 * cached matcher is compiled again once an entry's `deleteAfterDate` passes.
 */
export class CompiledAccessList implements AccessListMatcher {
  readonly size: number
  /** Milliseconds since the Unix epoch after which an entry in force expires; `Infinity` if none does. */
  readonly validUntilMs: number
  readonly #ipv4: Range<ipaddr.IPv4>[] = []
  readonly #ipv6: Range<ipaddr.IPv6>[] = []

  constructor (entries: readonly AccessListEntry[], nowMs: number) {
    let validUntilMs = Infinity
    for (const entry of entries) {
      const { kind, network, prefixLength, deleteAfterMs, ipAddress, cidrBlock } = parseAccessListEntry(entry)
      const key = ipAddress ?? cidrBlock ?? ''
      if (deleteAfterMs !== undefined) {
        if (nowMs > deleteAfterMs) continue
        validUntilMs = Math.min(validUntilMs, deleteAfterMs)
      }
      if (kind === 'ipv4') this.#ipv4.push([network as ipaddr.IPv4, prefixLength, key])
      else this.#ipv6.push([network as ipaddr.IPv6, prefixLength, key])
    }
    this.size = this.#ipv4.length + this.#ipv6.length
    this.validUntilMs = validUntilMs
  }

  matches (address: string): boolean {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6
    try {
      parsed = ipaddr.process(address)
    } catch {
      return false
    }
    return this.matchesParsed(parsed)
  }

  /** `matches` for an address already parsed with `ipaddr.process()`. */
  matchesParsed (address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.entryFor(address) !== undefined
  }

  /** The normal form (`ipAddress` or `cidrBlock`) of the first entry in force that admits `address`, or undefined. */
  entryFor (address: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
    if (address.kind() === 'ipv4') {
      for (const [network, prefix, key] of this.#ipv4) if ((address as ipaddr.IPv4).match(network, prefix)) return key
    } else {
      for (const [network, prefix, key] of this.#ipv6) if ((address as ipaddr.IPv6).match(network, prefix)) return key
    }
    return undefined
  }
}

/**
 * Compiles an access list: parses every entry once and drops those whose
 * `deleteAfterDate` has passed (an entry is in force up to and including that instant;
 * a date without a zone is UTC).
 *
 * @param entries - the API key's access list (Atlas `ipAddress` / `cidrBlock` entries).
 * @param now - the instant expiry is judged at; default: the current time.
 * @throws `INVALID_ACCESS_LIST_ENTRY` (400) when an entry is malformed (see `parseAccessListEntry`).
 */
export function compileAccessList (entries: readonly AccessListEntry[], now: Date = new Date()): AccessListMatcher {
  return new CompiledAccessList(entries, now.getTime())
}
