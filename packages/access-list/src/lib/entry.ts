/**
 * One access list entry: its shape (MongoDB Atlas field names `ipAddress`, `cidrBlock`,
 * `comment`, `deleteAfterDate`), its validation and its normalized form.
 */
import ipaddr from 'ipaddr.js'
import type { AccessListEntry } from '@platform-api/envelope'
import { withParameters } from '@platform-api/envelope'
import { InvalidAccessListEntryError } from '../errors.js'

export type { AccessListEntry }

/** The IP address family of an entry or an address. */
export type AddressKind = 'ipv4' | 'ipv6'

/**
 * A validated entry: the entry's fields in normalized form, plus the parsed network.
 * `ipAddress` entries are networks whose `prefixLength` is the full address length
 * (32 or 128 bits).
 */
export interface ParsedEntry extends AccessListEntry {
  /** The address family; an entry matches only addresses of its own family. */
  readonly kind: AddressKind
  /** The network address (for `ipAddress` entries, the address itself). */
  readonly network: ipaddr.IPv4 | ipaddr.IPv6
  /** Number of leading bits of `network` an address must share: 0..32 (IPv4) or 0..128 (IPv6). */
  readonly prefixLength: number
  /** `deleteAfterDate` as milliseconds since the Unix epoch; `undefined` when the entry never expires. */
  readonly deleteAfterMs?: number
}

const IPV4_BITS = 32
const IPV6_BITS = 128
/** First 96 bits of an IPv4-mapped IPv6 address, `::ffff:0:0/96` (RFC 4291 §2.5.5.2). */
const IPV4_MAPPED_PREFIX_BITS = 96
const PREFIX_LENGTH = /^(?:0|[1-9]\d{0,2})$/

/**
 * Validates one access list entry and returns it normalized.
 *
 * Rules (YugabyteDB seed "API network access", MongoDB Atlas access list semantics):
 * - exactly one of `ipAddress` and `cidrBlock` is set;
 * - IPv4 is four-part decimal only (`010.0.0.1`, `1.2.3`, `0x0a.0.0.1` are refused:
 *   `inet_aton` would read them as other addresses); IPv6 is any RFC 4291 text form
 *   without a zone index; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is stored as
 *   the IPv4 address it stands for, since clients are matched that way;
 * - a `cidrBlock` prefix length is decimal, 0..32 (IPv4) or 0..128 (IPv6), and the
 *   block has no host bits set: `10.0.0.5/24` is refused, naming `10.0.0.0/24`;
 * - `ipAddress` is normalized (IPv6 to RFC 5952 text), `cidrBlock` too, and
 *   `deleteAfterDate` becomes ISO-8601 UTC with `Z` (a value without a zone is UTC).
 *
 * @param entry - the entry as a client sent it or a store holds it.
 * @returns the normalized entry with its parsed network.
 * @throws `INVALID_ACCESS_LIST_ENTRY` (400), message naming the field and
 *   `parameters` holding the field name(s).
 */
export function parseAccessListEntry (entry: AccessListEntry): ParsedEntry {
  if (entry === null || typeof entry !== 'object') {
    throw invalid('an entry must be an object with ipAddress or cidrBlock', [])
  }
  const { ipAddress, cidrBlock, comment, deleteAfterDate } = entry
  const hasIpAddress = ipAddress != null
  const hasCidrBlock = cidrBlock != null
  if (hasIpAddress === hasCidrBlock) {
    throw invalid(
      hasIpAddress ? 'give either ipAddress or cidrBlock, not both' : 'give ipAddress or cidrBlock',
      ['ipAddress', 'cidrBlock']
    )
  }

  const network = hasIpAddress ? parseIpAddress(ipAddress) : parseCidrBlock(cidrBlock)
  const parsed: { -readonly [K in keyof ParsedEntry]: ParsedEntry[K] } = {
    ...network,
    ...(hasIpAddress
      ? { ipAddress: network.network.toString() }
      : { cidrBlock: `${network.network.toString()}/${network.prefixLength}` })
  }
  if (comment != null) {
    if (typeof comment !== 'string') throw invalid('comment must be a string', ['comment'])
    parsed.comment = comment
  }
  if (deleteAfterDate != null) {
    const deleteAfterMs = parseIsoDate(deleteAfterDate)
    parsed.deleteAfterMs = deleteAfterMs
    parsed.deleteAfterDate = new Date(deleteAfterMs).toISOString()
  }
  return parsed
}

interface Network {
  kind: AddressKind
  network: ipaddr.IPv4 | ipaddr.IPv6
  prefixLength: number
}

function parseIpAddress (value: unknown): Network {
  let address = parseAddress(value, 'ipAddress')
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address()
  }
  return { kind: address.kind(), network: address, prefixLength: address.kind() === 'ipv4' ? IPV4_BITS : IPV6_BITS }
}

function parseCidrBlock (value: unknown): Network {
  if (typeof value !== 'string') throw invalid('cidrBlock must be a string', ['cidrBlock'])
  const slash = value.lastIndexOf('/')
  if (slash === -1) {
    throw invalid(`cidrBlock ${value} has no prefix length; write it as address/prefixLength, e.g. 10.0.0.0/24`, ['cidrBlock'])
  }
  const address = parseAddress(value.slice(0, slash), 'cidrBlock')
  const prefixText = value.slice(slash + 1)
  const maxBits = address.kind() === 'ipv4' ? IPV4_BITS : IPV6_BITS
  const prefixLength = Number(prefixText)
  if (!PREFIX_LENGTH.test(prefixText) || prefixLength > maxBits) {
    throw invalid(
      `cidrBlock ${value} has prefix length "${prefixText}"; ${address.kind() === 'ipv4' ? 'IPv4' : 'IPv6'} allows 0 to ${maxBits}`,
      ['cidrBlock']
    )
  }
  const networkAddress = networkOf(address, prefixLength)
  if (networkAddress.toString() !== address.toString()) {
    throw invalid(
      `cidrBlock ${value} has host bits set; the network is ${networkAddress.toString()}/${prefixLength}`,
      ['cidrBlock']
    )
  }
  if (networkAddress.kind() === 'ipv6' && prefixLength >= IPV4_MAPPED_PREFIX_BITS) {
    const v6 = networkAddress as ipaddr.IPv6
    if (v6.isIPv4MappedAddress()) {
      return { kind: 'ipv4', network: v6.toIPv4Address(), prefixLength: prefixLength - IPV4_MAPPED_PREFIX_BITS }
    }
  }
  return { kind: networkAddress.kind(), network: networkAddress, prefixLength }
}

/** Parses an address written as IPv4 four-part decimal or IPv6 without zone index. */
function parseAddress (value: unknown, field: 'ipAddress' | 'cidrBlock'): ipaddr.IPv4 | ipaddr.IPv6 {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`, [field])
  if (value.includes(':')) {
    // An IPv6 address may end in an embedded IPv4 address; hold it to the same rule.
    const lastColon = value.lastIndexOf(':')
    const embedded = value.slice(lastColon + 1)
    if (ipaddr.IPv6.isValid(value) && !value.includes('%') &&
        (!embedded.includes('.') || ipaddr.IPv4.isValidFourPartDecimal(embedded))) {
      return ipaddr.IPv6.parse(value)
    }
    throw invalid(`${field} ${JSON.stringify(value)} is not an IPv6 address (zone indexes are not allowed)`, [field])
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value)
  throw invalid(`${field} ${JSON.stringify(value)} is not an IPv4 address in four-part decimal form (e.g. 192.0.2.10)`, [field])
}

function networkOf (address: ipaddr.IPv4 | ipaddr.IPv6, prefixLength: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const cidr = `${address.toString()}/${prefixLength}`
  return address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr)
}

/**
 * ISO-8601 calendar date with optional time and zone: `YYYY-MM-DD`,
 * `YYYY-MM-DDThh:mm[:ss[.fff]][Z|±hh[:mm]]` (`T` may be a space, as RFC 3339 allows).
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/

/**
 * Parses `deleteAfterDate`: an ISO-8601 date or date-time; without a zone, UTC
 * (unlike `Date.parse`, which reads a zone-less date-time as local time).
 * @returns milliseconds since the Unix epoch.
 */
function parseIsoDate (value: unknown): number {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null
  if (match === null) {
    throw invalid(
      `deleteAfterDate ${JSON.stringify(value)} is not an ISO-8601 date or date-time (e.g. 2030-01-31 or 2030-01-31T12:00:00Z)`,
      ['deleteAfterDate']
    )
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match
  const fields = [Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second)] as const
  const [y, mo, d, h, mi, s] = fields
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)))
  const offsetMinutes = parseZone(zone)
  // Date rolls invalid fields over (Feb 30 -> Mar 1); a round trip catches them.
  if (offsetMinutes === undefined || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 ||
      date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    throw invalid(`deleteAfterDate ${JSON.stringify(value)} is not a valid date`, ['deleteAfterDate'])
  }
  return date.getTime() - offsetMinutes * 60_000
}

/** `Z` -> 0, `+02:00` / `+0200` / `+02` -> 120, `-05:30` -> -330; `undefined` when out of range. */
function parseZone (zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2) || '0')
  if (hours > 23 || minutes > 59) return undefined
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes)
}

function invalid (reason: string, fields: string[]) {
  return withParameters(new InvalidAccessListEntryError(reason), fields)
}
