import t, { type Test } from 'tap'
import { compileAccessList, parseAccessListEntry, type AccessListEntry } from '../src/index.js'

/** parseAccessListEntry(entry) throws 400 INVALID_ACCESS_LIST_ENTRY with this message and parameters. */
function rejects (t: Test, entry: unknown, message: RegExp, parameters: string[]) {
  t.throws(() => parseAccessListEntry(entry as AccessListEntry), {
    code: 'INVALID_ACCESS_LIST_ENTRY',
    statusCode: 400,
    parameters,
    message
  }, JSON.stringify(entry))
}

t.test('Atlas ipAddress / cidrBlock: exactly one of the two fields', async (t) => {
  rejects(t, { ipAddress: '10.0.0.1', cidrBlock: '10.0.0.0/24' }, /either ipAddress or cidrBlock, not both/, ['ipAddress', 'cidrBlock'])
  rejects(t, {}, /ipAddress or cidrBlock/, ['ipAddress', 'cidrBlock'])
  rejects(t, { comment: 'office' }, /ipAddress or cidrBlock/, ['ipAddress', 'cidrBlock'])
  rejects(t, null, /an entry must be an object/, [])
  rejects(t, '10.0.0.1', /an entry must be an object/, [])
})

t.test('IPv4 must be four-part decimal', async (t) => {
  rejects(t, { ipAddress: '010.0.0.1' }, /ipAddress "010\.0\.0\.1" is not an IPv4 address in four-part decimal/, ['ipAddress'])
  rejects(t, { ipAddress: '1.2.3' }, /ipAddress "1\.2\.3"/, ['ipAddress'])
  rejects(t, { ipAddress: '0x0a.0.0.1' }, /ipAddress/, ['ipAddress'])
  rejects(t, { ipAddress: '256.0.0.1' }, /ipAddress/, ['ipAddress'])
  rejects(t, { ipAddress: '' }, /ipAddress/, ['ipAddress'])
  rejects(t, { ipAddress: 167772161 }, /ipAddress must be a string/, ['ipAddress'])
  rejects(t, { cidrBlock: '010.0.0.0/8' }, /cidrBlock "010\.0\.0\.0"/, ['cidrBlock'])
  rejects(t, { ipAddress: '::ffff:010.0.0.1' }, /ipAddress/, ['ipAddress'])
})

t.test('IPv6 is accepted and normalized to RFC 5952 text; zone indexes are refused', async (t) => {
  t.equal(parseAccessListEntry({ ipAddress: '2001:0DB8:0000:0000:0000:0000:0000:0001' }).ipAddress, '2001:db8::1')
  t.equal(parseAccessListEntry({ cidrBlock: '2001:DB8::/32' }).cidrBlock, '2001:db8::/32')
  rejects(t, { ipAddress: 'fe80::1%eth0' }, /zone/, ['ipAddress'])
  rejects(t, { ipAddress: '2001:db8::g' }, /ipAddress "2001:db8::g" is not an IPv6 address/, ['ipAddress'])
})

t.test('an IPv4-mapped IPv6 entry is stored as the IPv4 address it stands for', async (t) => {
  const address = parseAccessListEntry({ ipAddress: '::ffff:192.0.2.1' })
  t.equal(address.ipAddress, '192.0.2.1')
  t.equal(address.kind, 'ipv4')
  const block = parseAccessListEntry({ cidrBlock: '::ffff:192.0.2.0/120' })
  t.equal(block.cidrBlock, '192.0.2.0/24')
  t.equal(block.prefixLength, 24)
})

t.test('cidrBlock prefix length must be decimal and in range for the family', async (t) => {
  rejects(t, { cidrBlock: '10.0.0.0/33' }, /prefix length "33"; IPv4 allows 0 to 32/, ['cidrBlock'])
  rejects(t, { cidrBlock: '2001:db8::/129' }, /IPv6 allows 0 to 128/, ['cidrBlock'])
  rejects(t, { cidrBlock: '10.0.0.0/-1' }, /prefix length/, ['cidrBlock'])
  rejects(t, { cidrBlock: '10.0.0.0/08' }, /prefix length/, ['cidrBlock'])
  rejects(t, { cidrBlock: '10.0.0.0/' }, /prefix length/, ['cidrBlock'])
  rejects(t, { cidrBlock: '10.0.0.0' }, /has no prefix length/, ['cidrBlock'])
  t.equal(parseAccessListEntry({ cidrBlock: '0.0.0.0/0' }).prefixLength, 0)
  t.equal(parseAccessListEntry({ cidrBlock: '10.0.0.1/32' }).cidrBlock, '10.0.0.1/32')
})

t.test('a cidrBlock with host bits set is refused, naming the network form', async (t) => {
  rejects(t, { cidrBlock: '10.0.0.5/24' }, /cidrBlock 10\.0\.0\.5\/24 has host bits set; the network is 10\.0\.0\.0\/24/, ['cidrBlock'])
  rejects(t, { cidrBlock: '2001:db8::1/64' }, /the network is 2001:db8::\/64/, ['cidrBlock'])
})

t.test('deleteAfterDate: ISO-8601, normalized to UTC with Z; without a zone it is UTC', async (t) => {
  const cases: Record<string, string> = {
    '2030-01-31': '2030-01-31T00:00:00.000Z',
    '2030-01-31T12:00:00': '2030-01-31T12:00:00.000Z',
    '2030-01-31T12:00': '2030-01-31T12:00:00.000Z',
    '2030-01-31T12:00:00.5Z': '2030-01-31T12:00:00.500Z',
    '2030-01-31T14:00:00+02:00': '2030-01-31T12:00:00.000Z',
    '2030-01-31T07:30:00-0430': '2030-01-31T12:00:00.000Z',
    '2030-01-31 12:00:00Z': '2030-01-31T12:00:00.000Z'
  }
  for (const [input, expected] of Object.entries(cases)) {
    const parsed = parseAccessListEntry({ ipAddress: '10.0.0.1', deleteAfterDate: input })
    t.equal(parsed.deleteAfterDate, expected, input)
    t.equal(parsed.deleteAfterMs, Date.parse(expected), input)
  }
  for (const input of ['2030-02-30', '2030-13-01', '2030-01-31T24:00:00Z', '31/01/2030', 'tomorrow', '2030-01-31T12:00:00+25:00']) {
    rejects(t, { ipAddress: '10.0.0.1', deleteAfterDate: input }, /deleteAfterDate/, ['deleteAfterDate'])
  }
})

t.test('comment is kept as given', async (t) => {
  t.equal(parseAccessListEntry({ ipAddress: '10.0.0.1', comment: 'office' }).comment, 'office')
  rejects(t, { ipAddress: '10.0.0.1', comment: 7 }, /comment must be a string/, ['comment'])
})

t.test('compileAccessList skips entries whose deleteAfterDate has passed', async (t) => {
  const entries: AccessListEntry[] = [
    { ipAddress: '10.0.0.1', deleteAfterDate: '2030-01-31T12:00:00Z' },
    { cidrBlock: '10.1.0.0/16' }
  ]
  const before = compileAccessList(entries, new Date('2030-01-31T12:00:00Z'))
  t.equal(before.size, 2)
  t.ok(before.matches('10.0.0.1'), 'in force up to and including deleteAfterDate')
  const after = compileAccessList(entries, new Date('2030-01-31T12:00:00.001Z'))
  t.equal(after.size, 1)
  t.notOk(after.matches('10.0.0.1'))
  t.ok(after.matches('10.1.200.3'))
})

t.test('compileAccessList reads a zone-less deleteAfterDate as UTC, whatever the process time zone', async (t) => {
  const tz = process.env.TZ
  process.env.TZ = 'America/New_York' // Date.parse would read the zone-less value as local time here
  t.teardown(() => { if (tz === undefined) delete process.env.TZ; else process.env.TZ = tz })
  t.not(Date.parse('2030-06-01T00:00:00'), Date.parse('2030-06-01T00:00:00Z'), 'the process is not on UTC')
  const entries = [{ ipAddress: '10.0.0.1', deleteAfterDate: '2030-06-01T00:00:00' }]
  t.ok(compileAccessList(entries, new Date('2030-05-31T23:59:59Z')).matches('10.0.0.1'))
  t.notOk(compileAccessList(entries, new Date('2030-06-01T00:00:01Z')).matches('10.0.0.1'))
})

t.test('matches: IPv4-mapped addresses, family separation, unparseable input', async (t) => {
  const list = compileAccessList([{ cidrBlock: '127.0.0.0/8' }, { ipAddress: '::1' }])
  t.ok(list.matches('::ffff:127.0.0.1'))
  t.ok(list.matches('127.1.2.3'))
  t.ok(list.matches('::1'))
  t.notOk(list.matches('::2'))
  t.notOk(list.matches('0:0:0:0:0:0:7f00:1'), 'IPv4-compatible (not mapped) IPv6 stays IPv6')
  t.notOk(list.matches('not an address'))
  t.notOk(list.matches(''))
})

t.test('compileAccessList throws INVALID_ACCESS_LIST_ENTRY for a malformed entry', async (t) => {
  t.throws(() => compileAccessList([{ ipAddress: '10.0.0.1' }, { cidrBlock: '10.0.0.0/33' }]), {
    code: 'INVALID_ACCESS_LIST_ENTRY'
  })
})
