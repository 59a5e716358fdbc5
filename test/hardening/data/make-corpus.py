#!/usr/bin/env python3
"""Writes hostile-corpus.json: the hostile-input corpus of issue 11, kept as data.
Each case: {id, category, kind: inject|raw, method, url, headers, body, auth}. `{ITEM}` in a
url is replaced by the id of an existing integration, `{CAT}` by a catalog's id, and
`{AFTER}` by a valid cursor of /api/v1/tables. Run: python3 make-corpus.py > hostile-corpus.json"""
import json

cases = []
def add(category, method, url, headers=None, body=None, auth=True, kind='inject'):
    cases.append({'id': f'{category}-{sum(1 for c in cases if c["category"] == category) + 1:03d}', 'category': category, 'kind': kind,
                  'method': method, 'url': url, 'headers': headers or {}, 'body': body, 'auth': auth})

JSON = {'content-type': 'application/json'}
MP = {'content-type': 'application/merge-patch+json'}
JP = {'content-type': 'application/json-patch+json'}

# framing: raw bytes on a socket
raw = [
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\n X-Folded: x\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nX-A\r\n\r\n',
  'GET /api/v1/catalogs HTTP/9.9\r\nHost: a\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1 extra\r\nHost: a\r\n\r\n',
  'GET  /api/v1/catalogs HTTP/1.1\r\nHost: a\r\n\r\n',
  'G\x01T /api/v1/catalogs HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /api/v1/cata logs HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /api/v1/catalogs/%E0%A4%A HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /api/v1/%ff%fe HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nX-Big: ' + 'a' * 20000 + '\r\n\r\n',
  'GET /api/v1/catalogs HTTP/1.1\r\nHost: a\r\n' + ''.join(f'X-H{i}: v\r\n' for i in range(3000)) + '\r\n',
  'POST /api/v1/catalogs HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{',
  'GET /' + 'a' * 70000 + ' HTTP/1.1\r\nHost: a\r\n\r\n',
  'CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n',
]
for r in raw:
    add('framing', 'RAW', '', body=r, auth=False, kind='raw')

# content types on POST /api/v1/catalogs
for ct in ['text/plain', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
           'application/jsonx', 'application/json-patch+json', 'application/merge-patch+json', 'application/octet-stream', 'text/html',
           'application/javascript', 'image/png', 'application/x-ndjson', 'application/yaml', '*/*', 'application/*', 'json',
           '', ';', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'text/json',
           'application/vnd.api+json', 'application/ld+json', 'application/csp-report', 'application/sql', 'APPLICATION/XML',
           'application/json\u0000', 'application/problem+json', 'x' * 2000]:
    add('content-type', 'POST', '/api/v1/catalogs', {'content-type': ct}, '{"name":"ctcase"}')
for enc in ['gzip', 'deflate', 'br', 'compress', 'gzip, identity', 'x-unknown']:
    add('content-type', 'POST', '/api/v1/catalogs', {**JSON, 'content-encoding': enc}, '{"name":"enccase"}')

# bodies on POST /api/v1/catalogs and /api/v1/integrations
bodies = ['', ' ', '{', '}', '{"name":', '{"name":"a",}', "{'name':'a'}", '{"name":"a"} {"x":1}', '{"name":"a"}x', 'null', 'true', '1', '"str"',
          '[]', '[{"name":"a"}]', '{"name":NaN}', '{"name":Infinity}', '{"name":"a","__proto__":{"polluted":1}}',
          '{"name":"a","constructor":{"prototype":{"polluted":1}}}', '{"__proto__":{"isAdmin":true}}', '{"name":"a","type":"nosuch"}',
          '{"name":"a","id":"e3b0c442-98fc-4c14-9afb-f4c8996fb924"}', '{"name":"a","version":99}', '{"name":"a","href":"x"}',
          '{"name":"a","createdAt":"2020-01-01T00:00:00Z"}', '{"name":"a","fullyQualifiedName":"x"}', '{"name":"a","descriptoin":"x"}',
          '{"name":"a","description":' + '"' + 'x' * 2000 + '"}', '{"name":"a","description":1}', '{"name":"a","description":null}',
          '{"name":"a","description":["x"]}', '{"name":"a","description":{"x":1}}', '{"name":1}', '{"name":null}', '{"name":true}',
          '{"name":["a"]}', '{"name":{"a":1}}', '{"name":"\\ud800"}', '{"name":"a\\u0000"}', '{"name":"a","type":"internal","type":"hive","bogus":1}',
          '\ufeff{"name":"bom"', '{"name":"' + 'a' * 300 + '"}', '{"name":"a","description":' + '[' * 200 + ']' * 200 + '}',
          '{"a":' * 100 + '1' + '}' * 100, '{"name":"a","x":1e999}', '{"name":"a"}' + ' ' * 10 + '\u0000', '{"name":"a","description":"x"',
          '[' * 100000 + ']' * 100000]
for b in bodies:
    add('body', 'POST', '/api/v1/catalogs', JSON, b)
for b in ['{"name":"x","category":"nosuch"}', '{"name":"x"}', '{"name":" lead","category":"orm"}', '{"name":"x","category":"orm","api":"SQL"}',
          '{"name":"x","category":"orm","language":' + '"' + 'l' * 100 + '"}']:
    add('body', 'POST', '/api/v1/integrations', JSON, b)
add('body', 'POST', '/api/v1/databases', JSON, '{"name":"db1","catalog":"nosuchcatalog"}')
add('body', 'POST', '/api/v1/columns', JSON, '{"name":"c1","table":"default.tpch.orders","dataType":""}')
add('body', 'POST', '/api/v1/apiKeys', JSON, '{"roles":["ORG_GOD"]}')
add('body', 'POST', '/api/v1/apiKeys', JSON, '{"roles":["ORG_OWNER"],"accessList":[{"cidrBlock":"0.0.0.0/-1"}]}')
add('body', 'POST', '/api/v1/apiKeys', JSON, '{"roles":["ORG_OWNER"],"publicKey":"mine12345"}')
add('body', 'POST', '/api/v1/apiKeys', JSON, '{"roles":["ORG_OWNER"],"ha1":{"MD5":"x"}}')
add('body', 'PUT', '/api/v1/catalogs', JSON, '{"name":"a","id":"x"}')
add('body', 'PUT', '/api/v1/catalogs', JSON, '[]')

# JSON Patch attacks on an integration
ops = [
  [{"op": "add", "path": "/__proto__/polluted", "value": 1}], [{"op": "add", "path": "/constructor/prototype/polluted", "value": 1}],
  [{"op": "copy", "from": "/constructor", "path": "/description"}], [{"op": "copy", "from": "/__proto__", "path": "/description"}],
  [{"op": "move", "from": "/__proto__", "path": "/description"}], [{"op": "replace", "path": "/id", "value": "x"}],
  [{"op": "replace", "path": "/version", "value": 1}], [{"op": "replace", "path": "/name", "value": "x"}], [{"op": "remove", "path": "/id"}],
  [{"op": "replace", "path": "/href", "value": "x"}], [{"op": "replace", "path": "/createdAt", "value": "x"}], [{"op": "move", "from": "/id", "path": "/description"}],
  [{"op": "copy", "from": "/id", "path": "/description"}], [{"op": "add", "path": "", "value": {}}], [{"op": "replace", "path": "", "value": {}}],
  [{"op": "remove", "path": ""}], [{"op": "add", "path": "description", "value": "x"}], [{"op": "add", "path": "/bogus", "value": 1}],
  [{"op": "add", "path": "/description"}], [{"op": "replace", "path": "/description"}], [{"op": "test", "path": "/description"}],
  [{"op": "move", "path": "/description"}], [{"op": "copy", "path": "/description"}], [{"op": "nosuch", "path": "/description"}],
  [{"path": "/description", "value": 1}], [{"op": "add", "value": 1}], [{"op": "add", "path": 1, "value": 1}],
  [{"op": "add", "path": "/description", "value": 1, "extra": 1}], [{"op": "test", "path": "/category", "value": "nosuch"}],
  [{"op": "remove", "path": "/nosuch"}], [{"op": "remove", "path": "/category"}], [{"op": "replace", "path": "/category", "value": "nosuch"}],
  [{"op": "add", "path": "/description/0", "value": 1}], [{"op": "add", "path": "/description/-", "value": 1}],
  [{"op": "add", "path": "/~2", "value": 1}], [{"op": "add", "path": "/a~1b", "value": 1}], [{"op": "add", "path": "/" + "a" * 2000, "value": 1}],
  [{"op": "add", "path": "/description", "value": "x" * 2000}], [{"op": "add", "path": "/language", "value": {"a": [1, 2, {"b": None}]}}],
  [{"op": "add", "path": "/description", "value": "ok"}] * 101, [{"op": "move", "from": "/category", "path": "/category/x"}],
  [{"op": "copy", "from": "/category", "path": "/__proto__"}], [{"op": "add", "path": "/prototype", "value": 1}],
]
for o in ops:
    add('json-patch', 'PATCH', '/api/v1/integrations/{ITEM}', JP, json.dumps(o))
for b in ['{}', '', '{"op":"add"}', 'null', '[1]', '[null]', '["add"]', '[[]]',
          '[{"op":"add","path":"/description","value":' + '[' * 10000 + ']' * 10000 + '}]', '[{"op":"add","path":"/description","value":' + '{"a":' * 5000 + '1' + '}' * 5000 + '}]']:
    add('json-patch', 'PATCH', '/api/v1/integrations/{ITEM}', JP, b)

# merge patch attacks
for b in ['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"prototype":1}', '{"id":"x"}', '{"version":99}',
          '{"name":"x"}', '{"href":"x"}', '{"createdAt":"x"}', '{"updatedAt":"x"}', '{"category":"nosuch"}', '{"category":null}',
          '{"category":1}', '{"description":1}', '{"language":{"a":1}}', '{"bogus":1}', '[]', '"x"', '1', 'true', 'null', '[{"description":"x"}]',
          '{"description":' + '{"a":' * 5000 + '1' + '}' * 5000 + '}', '{"description":"' + 'x' * 2000 + '"}', '{', '{"description":"x"}x',
          '{"api":"SQL"}', '{"status":' + '"' + 's' * 100 + '"}', '{"fullyQualifiedName":"x"}', '{"description":{"__proto__":{"polluted":1}}}', '{"language":["x"]}']:
    add('merge-patch', 'PATCH', '/api/v1/integrations/{ITEM}', MP, b)

# names: POST (default name schema) and POST/PUT integrations (custom name schema)
names = ['', ' ', '\u0000', 'a\u0000b', 'a\u0007', '\u001b[2J', 'a\u007f', 'a\u0085', 'x\u200bx', 'x\u200dx', 'x\u202ex', 'x\u2066x', 'x\u2028x',
         'x\u2029x', '\ufeffx', 'x\ue000', 'x\uffff', 'a.b', 'a/b', '-a', 'a b', 'a\tb', 'a\nb', '..', '.', 'a' * 257, '\u0001' * 256]
for n in names:
    add('name', 'POST', '/api/v1/catalogs', JSON, json.dumps({'name': n}))
for n in ['', ' ', ' lead', 'trail ', '\u0000', 'a\u0007b', '\u001b[31mred', 'x\u202ey', '\u0001' * 256, 'x' * 257, 'a\u00a0', 'x\u2028y', '\t']:
    add('name', 'POST', '/api/v1/integrations', JSON, json.dumps({'name': n, 'category': 'orm'}))
for n in ['\u0000', 'a\u0007b', 'x\u202ey', '\u0001' * 256]:
    add('name', 'PUT', '/api/v1/integrations', JSON, json.dumps({'name': n, 'category': 'orm'}))

# queries
for q in ['limit=0', 'limit=-1', 'limit=1001', 'limit=abc', 'limit=1.5', 'limit=0x10', 'limit=1e1', 'limit=+5', 'limit= 5', 'limit=5 ', 'limit=',
          'limit=1&limit=2', 'limit=99999999999999999999', 'limit=NaN', 'limit=Infinity', 'limit=0b11', 'limit=0o7', 'limit=%00', 'limit=5%00',
          'before=x&after=y', 'bogus=1', 'fields=bogus', 'fields=__proto__', 'fields=constructor', 'fields=', 'fields=a,,b', 'fields=name%00',
          'envelope=maybe', 'pretty=1', 'envelope=true&envelope=false', 'tableType=nosuch', '__proto__[x]=1', 'constructor[prototype][x]=1',
          'fields=' + 'a,' * 600 + 'a', 'database=', 'limit=١٠']:
    add('query', 'GET', '/api/v1/tables?' + q)
for q in ['nullable=maybe', 'nullable=1', 'ordinalPosition=1', 'dataType=' + 'x' * 200]:
    add('query', 'GET', '/api/v1/columns?' + q)
for q in ['recursive=yes', 'recursive=1', 'bogus=1']:
    add('query', 'DELETE', '/api/v1/catalogs/{CAT}?' + q)
add('query', 'POST', '/api/v1/catalogs?bogus=1', JSON, '{"name":"q1"}')
add('query', 'GET', '/api/v1/catalogs/not-a-uuid')
add('query', 'GET', '/api/v2/catalogs?pageNum=0')
add('query', 'GET', '/api/v2/catalogs?pageNum=0x2')
add('query', 'GET', '/api/v2/catalogs?itemsPerPage=1e2')

# cursors
for c in ['x', '.', '..', 'a.b.c', '!!!!', '%00', 'eyJhIjoxfQ', 'WyJ4Il0', 'WyJ4Il0.AAAAAAAAAAAAAAAAAAAAAA', 'WyJ4Il0.' + 'A' * 22 + 'x',
          'A' * 2049, 'A' * 2048, 'W10', 'bnVsbA', 'e30', 'WzEsMl0.', '.AAAA', 'WyJ4Il0==', '{AFTER}x', 'x{AFTER}', '{AFTER}.x']:
    add('cursor', 'GET', '/api/v1/tables?after=' + c)
    if len(cases) % 2 == 0:
        add('cursor', 'GET', '/api/v1/tables?before=' + c)
for url in ['/api/v1/columns?after={AFTER}', '/api/v1/databases?after={AFTER}', '/api/v1/integrations?before={AFTER}',
            '/api/v1/tables?tableType=view&after={AFTER}', '/api/v1/tables?database=default.tpch&after={AFTER}', '/api/v1/apiKeys?after={AFTER}']:
    add('cursor', 'GET', url)

# Host headers
for h in ['a b', 'evil.com/path', 'user@evil.com', 'a:99999999', 'a:-1', 'a:port', '[::1', '::1]', 'a\u00e9.com', 'a,b', 'a\\b', 'a' * 300,
          'a..b:', 'a;b', 'http://a']:
    add('host', 'GET', '/api/v1/tables', {'host': h})

# Digest header fuzz (no valid credentials)
dig = ['Digest', 'Digest ', 'Digest username', 'Digest username=', 'Digest username="', 'Digest username="ownerkey1"', 'Digest username="ownerkey1", realm="platform-api"',
       'Digest username="ownerkey1", realm="platform-api", nonce="x", uri="/api/v1/tables", response="00", qop=auth, nc=00000001, cnonce="c"',
       'Digest username="ownerkey1", realm="platform-api", nonce="x", uri="/api/v1/tables", response="' + '0' * 64 + '", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"',
       'Digest username="ownerkey1", username="x"', 'Digest username="a\\', 'Digest username="\u0000"', 'Digest =', 'Digest ,,,,', 'Digest a=b=c',
       'Digest username=' + 'x' * 5000, 'Digest ' + 'a=b, ' * 500, 'Digest username="ownerkey1", nc=zzzzzzzz', 'Digest username="ownerkey1", nc=ffffffffffffffffffff',
       'Digest username="ownerkey1", algorithm=NOPE', 'Digest username="ownerkey1", qop=auth-int', 'Digest username="ownerkey1", uri="/other"',
       'Basic b3duZXJrZXkxOng=', 'Bearer x', 'Negotiate x', 'digest username="x"', 'DIGEST username="x"', 'Digest\tusername="x"',
       'Digest username="x" realm="y"', 'Digest username="x",', 'Digest username="x", response="\u00ff"', 'Digest username*=UTF-8\'\'x',
       'Digest username="ownerkey1", realm="platform-api", nonce="' + 'n' * 3000 + '"', 'Digest userhash=true, username="x"', 'Digest opaque=""',
       'Digest username="\\"\\"\\""', '   ', 'Digest ' + '"' * 100, 'Digest username="ownerkey1", realm="other"', 'Digest cnonce="' + 'c' * 2000 + '"']
for d in dig:
    add('digest', 'GET', '/api/v1/tables', {'authorization': d}, auth=False)

# Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): not one RFC 8941 sf-string of 1..255 characters
for k in ['plain-token', '"unterminated', '""', '"' + 'k' * 256 + '"', '"a";p=1', '"a", "b"', '"caf\u00e9"', '"tab\there"', '"nul\u0000"', '1', '?1', ':YWJj:',
          '"a"x', '"\\q"x', '"esc\\"', '"a\\b"extra', '("a")', '"' + 'k' * 5000 + '"', '\u0000', "'single'", '"a" ;', '@1700000000', '%"a"']:
    add('idempotency', 'POST', '/api/v1/catalogs', {**JSON, 'idempotency-key': k}, json.dumps({'name': 'idem_hostile'}))
for k in ['plain-token', '""', '"' + 'k' * 256 + '"']:
    add('idempotency', 'POST', '/api/v2/catalogs', {**JSON, 'idempotency-key': k}, json.dumps({'name': 'idem_hostile'}))

print(json.dumps(cases, indent=1, ensure_ascii=True))
