import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { generateSelfSigned, loadOrCreateTls } from '../src/tls.js'

const DAY_MS = 24 * 60 * 60 * 1000

t.test('contract "Starting it": without TLS_CERT/TLS_KEY a self-signed certificate is made once into DATA_DIR', async (t) => {
  const dataDir = join(t.testdir(), 'nested', 'data')
  const first = await loadOrCreateTls({ dataDir })
  t.equal(first.selfSigned, true)
  t.equal(first.generated, true)
  t.equal(first.certPath, join(dataDir, 'tls', 'cert.pem'))
  t.equal(first.keyPath, join(dataDir, 'tls', 'key.pem'))
  t.equal(await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8'), first.cert)
  t.equal(await readFile(join(dataDir, 'tls', 'key.pem'), 'utf8'), first.key)
  if (process.platform !== 'win32') {
    t.equal((await stat(join(dataDir, 'tls', 'key.pem'))).mode & 0o777, 0o600, 'key.pem has mode 0600')
  }

  t.test('the certificate: CN localhost, SANs localhost, 127.0.0.1, ::1, RSA 2048, SHA-256, 365 days', async (t) => {
    const x509 = new X509Certificate(first.cert)
    t.match(x509.subject, /CN=localhost/)
    t.ok(x509.checkHost('localhost'), 'valid for localhost')
    t.ok(x509.checkIP('127.0.0.1'), 'valid for 127.0.0.1')
    t.ok(x509.checkIP('::1'), 'valid for ::1')
    t.match(x509.subjectAltName, /DNS:localhost/)
    t.match(x509.subjectAltName, /IP Address:127\.0\.0\.1/)
    t.ok(x509.checkPrivateKey(createPrivateKey(first.key)), 'the key belongs to the certificate')
    t.equal(x509.publicKey.asymmetricKeyType, 'rsa')
    t.equal(x509.publicKey.asymmetricKeyDetails?.modulusLength, 2048)
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / DAY_MS
    t.ok(Math.abs(days - 365) <= 1, `valid 365 days (got ${days})`)
    t.ok(Date.parse(x509.validFrom) <= Date.now() + 1000, 'already valid')
    t.equal(x509.ca, false, 'not a CA')
  })

  t.test('a second call reuses the same certificate and key', async (t) => {
    const second = await loadOrCreateTls({ dataDir })
    t.equal(second.generated, false)
    t.equal(second.selfSigned, true)
    t.equal(second.cert, first.cert)
    t.equal(second.key, first.key)
  })
})

t.test('the signature algorithm is SHA-256', async (t) => {
  const { cert } = await generateSelfSigned()
  // node:crypto does not expose the algorithm; read it from the DER: sha256WithRSAEncryption is OID 1.2.840.113549.1.1.11.
  const der = new X509Certificate(cert).raw
  t.ok(der.includes(Buffer.from('2a864886f70d01010b', 'hex')), 'sha256WithRSAEncryption')
  t.notOk(der.includes(Buffer.from('2a864886f70d010105', 'hex')), 'not sha1WithRSAEncryption')
})

t.test('an incomplete or mismatched pair in DATA_DIR is replaced', async (t) => {
  const dataDir = t.testdir()
  const first = await loadOrCreateTls({ dataDir })
  const other = await generateSelfSigned()
  await writeFile(join(dataDir, 'tls', 'key.pem'), other.key)
  const replaced = await loadOrCreateTls({ dataDir })
  t.equal(replaced.generated, true)
  t.not(replaced.cert, first.cert)
  t.ok(new X509Certificate(replaced.cert).checkPrivateKey(createPrivateKey(replaced.key)))

  t.test('a missing key.pem', async (t) => {
    const dataDir = t.testdir({ tls: { 'cert.pem': replaced.cert } })
    const result = await loadOrCreateTls({ dataDir })
    t.equal(result.generated, true)
    t.ok(new X509Certificate(result.cert).checkPrivateKey(createPrivateKey(result.key)))
  })
})

t.test('TLS_CERT and TLS_KEY: the given PEM files are used, DATA_DIR is not touched', async (t) => {
  const pems = await generateSelfSigned()
  const dir = t.testdir({ 'server.crt': pems.cert, 'server.key': pems.key, data: {} })
  const dataDir = join(dir, 'data')
  const result = await loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'server.key') })
  t.same(result, { key: pems.key, cert: pems.cert, selfSigned: false, generated: false, certPath: join(dir, 'server.crt'), keyPath: join(dir, 'server.key') })
  await t.rejects(stat(join(dataDir, 'tls')), { code: 'ENOENT' }, 'no self-signed certificate made')

  t.test('a missing file is an error naming the variable', async (t) => {
    await t.rejects(loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'missing.crt'), tlsKeyFile: join(dir, 'server.key') }),
      { message: /^TLS_CERT: cannot read the PEM file .*missing\.crt \(ENOENT\)/ })
    await t.rejects(loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'missing.key') }),
      { message: /^TLS_KEY: cannot read/ })
  })

  t.test('a key that does not belong to the certificate is an error', async (t) => {
    const other = await generateSelfSigned()
    const dir = t.testdir({ 'server.crt': pems.cert, 'other.key': other.key, 'junk.crt': 'not a certificate', 'junk.key': 'not a key' })
    await t.rejects(loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'other.key') }),
      { message: /TLS_CERT \/ TLS_KEY .*does not belong to the certificate/ })
    await t.rejects(loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'junk.crt'), tlsKeyFile: join(dir, 'other.key') }),
      { message: /not a PEM X\.509 certificate/ })
    await t.rejects(loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'junk.key') }),
      { message: /not an unencrypted PEM private key/ })
  })

  t.test('only one of the two is an error', async (t) => {
    await t.rejects(loadOrCreateTls({ dataDir, tlsCertFile: join(dir, 'server.crt') }), { message: /together/ })
  })
})
