/**
 * Real HTTP Digest clients, each driven the way its users drive it, for the interop test
 * (issue 6) and the algorithm-offer probe. Every client runs a list of requests in one
 * process (so a client that keeps its nonce can reuse it) and reports status and body.
 *
 * Self-signed TLS: certificate verification is switched off per client (the same as
 * `curl -k`): these tests are about Digest, and the server's certificate is made per run.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** One request of a client run. `override`: send POST with `X-HTTP-Method-Override: <method>` (for clients without PATCH). */
export interface ClientRequest {
  method: 'GET' | 'POST' | 'PATCH'
  url: string
  body?: string
  contentType?: string
  override?: boolean
}

/** What a client saw. */
export interface ClientResult { status: number, body: string }

/** A Digest client: its name, whether it is installed (else why not), and how to run requests. */
export interface DigestClient {
  name: string
  /** `undefined` when usable; otherwise why not (what to install). */
  missing: () => Promise<string | undefined>
  run: (requests: ClientRequest[], user: string, password: string) => Promise<ClientResult[]>
}

// Loopback only: never through a proxy from the environment.
const ENV = { ...process.env, NO_PROXY: '*', no_proxy: '*', http_proxy: '', https_proxy: '', HTTP_PROXY: '', HTTPS_PROXY: '' }
const OPTS = { env: ENV, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }

async function has (command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, OPTS)
    return true
  } catch {
    return false
  }
}

function parseJsonLines (stdout: string): ClientResult[] {
  const line = stdout.trim().split('\n').pop() ?? '[]'
  return JSON.parse(line) as ClientResult[]
}

/** curl --digest (libcurl): answers the first challenge it can. */
export const curlClient: DigestClient = {
  name: 'curl --digest',
  missing: async () => await has('curl', ['--version']) ? undefined : 'curl is not installed (apt-get install curl)',
  run: async (requests, user, password) => {
    const results: ClientResult[] = []
    for (const r of requests) {
      const args = ['-sk', '--noproxy', '*', '--digest', '-u', `${user}:${password}`, '-X', r.method, '-w', '\n%{http_code}']
      if (r.body !== undefined) args.push('-H', `Content-Type: ${r.contentType ?? 'application/json'}`, '--data-binary', r.body)
      args.push(r.url)
      const { stdout } = await run('curl', args, OPTS)
      const cut = stdout.lastIndexOf('\n')
      results.push({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) })
    }
    return results
  }
}

/** GNU Wget with --user/--password (Digest after the 401). */
export const wgetClient: DigestClient = {
  name: 'wget',
  missing: async () => await has('wget', ['--version']) ? undefined : 'wget is not installed (apt-get install wget)',
  run: async (requests, user, password) => {
    const results: ClientResult[] = []
    for (const r of requests) {
      const args = ['-q', '-S', '-O', '-', '--no-check-certificate', '--no-proxy', '--content-on-error', '--tries=1',
        `--user=${user}`, `--password=${password}`, `--method=${r.method}`]
      if (r.body !== undefined) args.push(`--header=Content-Type: ${r.contentType ?? 'application/json'}`, `--body-data=${r.body}`)
      args.push(r.url)
      const out = await run('wget', args, OPTS).catch((e: { stdout?: string, stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }))
      const statuses = [...String(out.stderr).matchAll(/HTTP\/[0-9.]+ (\d{3})/g)].map((m) => Number(m[1]))
      results.push({ status: statuses.at(-1) ?? 0, body: String(out.stdout) })
    }
    return results
  }
}

const PY_COMMON = `
import sys, json, warnings
warnings.filterwarnings('ignore')
user, password, requests_ = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
results = []
`

const PY_REQUESTS = PY_COMMON + `
import requests
from requests.auth import HTTPDigestAuth
s = requests.Session(); s.auth = HTTPDigestAuth(user, password); s.trust_env = False
for r in requests_:
    h = {'Content-Type': r.get('contentType', 'application/json')} if 'body' in r else {}
    res = s.request(r['method'], r['url'], data=r.get('body'), headers=h, verify=False, timeout=20)
    results.append({'status': res.status_code, 'body': res.text})
print(json.dumps(results))
`

const PY_URLLIB = PY_COMMON + `
import ssl, urllib.request, urllib.error
ctx = ssl._create_unverified_context()
pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx), urllib.request.HTTPDigestAuthHandler(pm))
for r in requests_:
    pm.add_password(None, r['url'], user, password)
    h = {'Content-Type': r.get('contentType', 'application/json')} if 'body' in r else {}
    data = r['body'].encode() if 'body' in r else None
    req = urllib.request.Request(r['url'], data=data, method=r['method'], headers=h)
    try:
        res = opener.open(req, timeout=20); results.append({'status': res.status, 'body': res.read().decode()})
    except urllib.error.HTTPError as e:
        results.append({'status': e.code, 'body': e.read().decode()})
print(json.dumps(results))
`

const PY_HTTPX = PY_COMMON + `
import httpx
with httpx.Client(auth=httpx.DigestAuth(user, password), verify=False, trust_env=False, timeout=20) as c:
    for r in requests_:
        h = {'Content-Type': r.get('contentType', 'application/json')} if 'body' in r else {}
        res = c.request(r['method'], r['url'], content=r.get('body'), headers=h)
        results.append({'status': res.status_code, 'body': res.text})
print(json.dumps(results))
`

/** The Python on PATH (pyenv's in this image) carries requests; Debian's /usr/bin/python3 carries python3-httpx. */
function pythonClient (name: string, interpreters: string[], module: string, script: string, install: string): DigestClient {
  let found: string | undefined
  return {
    name,
    missing: async () => {
      for (const python of interpreters) {
        if (await has(python, ['-c', `import ${module}`])) { found = python; return undefined }
      }
      return `no Python with the ${module} module (${install})`
    },
    run: async (requests, user, password) => {
      if (found === undefined) throw new Error(`${name}: call missing() first`)
      const { stdout } = await run(found, ['-c', script, user, password, JSON.stringify(requests)], OPTS)
      return parseJsonLines(stdout)
    }
  }
}

export const requestsClient = pythonClient('Python requests HTTPDigestAuth', ['python3', '/usr/bin/python3'], 'requests', PY_REQUESTS, 'apt-get install python3-requests')
export const urllibClient = pythonClient('Python urllib HTTPDigestAuthHandler', ['python3', '/usr/bin/python3'], 'urllib.request', PY_URLLIB, 'apt-get install python3')
export const httpxClient = pythonClient('httpx DigestAuth', ['/usr/bin/python3', 'python3'], 'httpx', PY_HTTPX, 'apt-get install python3-httpx')

const JAVA_COMMON_IMPORTS = `
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import javax.net.ssl.*;
import java.util.*;
`

/** Reads requests as lines "method\\turl\\tcontentType\\tbody\\toverride" from a file; prints one JSON array. */
const JAVA_HTTPURLCONNECTION = JAVA_COMMON_IMPORTS + `
public class DigestHttpURLConnection {
  static String q(String s) {
    StringBuilder b = new StringBuilder("\\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\\\') b.append('\\\\').append(c);
      else if (c < 0x20) b.append(String.format("\\\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
  public static void main(String[] a) throws Exception {
    final String user = a[0], password = a[1];
    TrustManager[] trustAll = { new X509TrustManager() {
      public void checkClientTrusted(X509Certificate[] c, String t) {}
      public void checkServerTrusted(X509Certificate[] c, String t) {}
      public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; } } };
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, trustAll, new java.security.SecureRandom());
    HttpsURLConnection.setDefaultSSLSocketFactory(ssl.getSocketFactory());
    HttpsURLConnection.setDefaultHostnameVerifier((h, s) -> true);
    Authenticator.setDefault(new Authenticator() {
      protected PasswordAuthentication getPasswordAuthentication() { return new PasswordAuthentication(user, password.toCharArray()); } });
    StringBuilder out = new StringBuilder("[");
    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(a[2]))) {
      if (line.isEmpty()) continue;
      String[] f = line.split("\\t", -1);
      HttpURLConnection c = (HttpURLConnection) new URL(f[1]).openConnection(Proxy.NO_PROXY);
      if (f[4].equals("1")) { c.setRequestMethod("POST"); c.setRequestProperty("X-HTTP-Method-Override", f[0]); }
      else c.setRequestMethod(f[0]);
      if (!f[3].isEmpty()) {
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", f[2]);
        try (OutputStream o = c.getOutputStream()) { o.write(f[3].getBytes(StandardCharsets.UTF_8)); }
      }
      int status = c.getResponseCode();
      InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (out.length() > 1) out.append(',');
      out.append("{\\"status\\":").append(status).append(",\\"body\\":").append(q(body)).append('}');
    }
    System.out.println(out.append(']'));
  }
}
`

const JAVA_HTTPCLIENT = JAVA_COMMON_IMPORTS + `
import org.apache.http.HttpResponse;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.client.methods.*;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.*;
import org.apache.http.ssl.SSLContextBuilder;
import org.apache.http.util.EntityUtils;

public class DigestApacheHttpClient {
  static String q(String s) {
    StringBuilder b = new StringBuilder("\\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\\\') b.append('\\\\').append(c);
      else if (c < 0x20) b.append(String.format("\\\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
  public static void main(String[] a) throws Exception {
    BasicCredentialsProvider creds = new BasicCredentialsProvider();
    creds.setCredentials(AuthScope.ANY, new UsernamePasswordCredentials(a[0], a[1]));
    SSLContext ssl = new SSLContextBuilder().loadTrustMaterial(null, (chain, type) -> true).build();
    StringBuilder out = new StringBuilder("[");
    try (CloseableHttpClient client = HttpClients.custom().setDefaultCredentialsProvider(creds)
        .setSSLContext(ssl).setSSLHostnameVerifier(NoopHostnameVerifier.INSTANCE).build()) {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(a[2]))) {
        if (line.isEmpty()) continue;
        String[] f = line.split("\\t", -1);
        HttpRequestBase req;
        switch (f[0]) {
          case "GET": req = new HttpGet(f[1]); break;
          case "POST": req = new HttpPost(f[1]); break;
          case "PATCH": req = new HttpPatch(f[1]); break;
          default: throw new IllegalArgumentException(f[0]);
        }
        if (!f[3].isEmpty()) {
          StringEntity e = new StringEntity(f[3], StandardCharsets.UTF_8);
          e.setContentType(f[2]);
          ((HttpEntityEnclosingRequestBase) req).setEntity(e);
        }
        HttpResponse res = client.execute(req);
        String body = res.getEntity() == null ? "" : EntityUtils.toString(res.getEntity(), StandardCharsets.UTF_8);
        if (out.length() > 1) out.append(',');
        out.append("{\\"status\\":").append(res.getStatusLine().getStatusCode()).append(",\\"body\\":").append(q(body)).append('}');
      }
    }
    System.out.println(out.append(']'));
  }
}
`

const HTTPCLIENT_JARS = ['httpclient.jar', 'httpcore.jar', 'commons-logging.jar', 'commons-codec.jar'].map((jar) => join('/usr/share/java', jar))

async function javaRun (className: string, source: string, classpath: string | undefined, requests: ClientRequest[], user: string, password: string): Promise<ClientResult[]> {
  const dir = tmpdir()
  const sourceFile = join(dir, `${className}-${process.pid}.java`)
  await writeFile(sourceFile, source)
  const requestFile = join(dir, `${className}-${process.pid}-${Date.now()}.tsv`)
  await writeFile(requestFile, requests.map((r) =>
    [r.method, r.url, r.contentType ?? 'application/json', r.body ?? '', r.override === true ? '1' : '0'].join('\t')).join('\n') + '\n')
  const args = [...(classpath === undefined ? [] : ['-cp', classpath]), '-Djava.net.useSystemProxies=false',
    '-Dorg.apache.commons.logging.Log=org.apache.commons.logging.impl.NoOpLog', sourceFile, user, password, requestFile]
  const { stdout } = await run('java', args, OPTS)
  return parseJsonLines(stdout)
}

/** Java 17's HttpURLConnection with an Authenticator; it cannot send PATCH, so PATCH goes as POST + X-HTTP-Method-Override. */
export const javaHttpURLConnectionClient: DigestClient = {
  name: 'Java HttpURLConnection',
  missing: async () => await has('java', ['-version']) ? undefined : 'java is not installed (apt-get install openjdk-17-jdk-headless)',
  run: async (requests, user, password) => await javaRun('DigestHttpURLConnection', JAVA_HTTPURLCONNECTION, undefined,
    requests.map((r) => r.method === 'PATCH' ? { ...r, override: true } : r), user, password)
}

/** Apache HttpClient 4.5 (Debian's libhttpclient-java) with a credentials provider. */
export const apacheHttpClient: DigestClient = {
  name: 'Apache HttpClient 4.5',
  missing: async () => {
    if (!await has('java', ['-version'])) return 'java is not installed (apt-get install openjdk-17-jdk-headless)'
    const absent = HTTPCLIENT_JARS.filter((jar) => !existsSync(jar))
    return absent.length === 0 ? undefined : `missing ${absent.join(', ')} (apt-get install libhttpclient-java)`
  },
  run: async (requests, user, password) => await javaRun('DigestApacheHttpClient', JAVA_HTTPCLIENT, HTTPCLIENT_JARS.join(':'), requests, user, password)
}

const NODE_COMMON = `
const [user, password, list] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])]
const results = []
`

const NODE_DIGEST_FETCH = NODE_COMMON + `
const { default: DigestClient } = await import('digest-fetch')
const client = new DigestClient(user, password)
for (const r of list) {
  const headers = r.body === undefined ? {} : { 'content-type': r.contentType ?? 'application/json' }
  const res = await client.fetch(r.url, { method: r.method, headers, ...(r.body === undefined ? {} : { body: r.body }) })
  results.push({ status: res.status, body: await res.text() })
}
console.log(JSON.stringify(results))
`

const NODE_NEEDLE = NODE_COMMON + `
const { default: needle } = await import('needle')
for (const r of list) {
  const headers = r.body === undefined ? {} : { 'content-type': r.contentType ?? 'application/json' }
  const res = await needle(r.method.toLowerCase(), r.url, r.body ?? null, { username: user, password, auth: 'digest', headers, rejectUnauthorized: false, parse: false })
  results.push({ status: res.statusCode, body: String(res.body) })
}
console.log(JSON.stringify(results))
// needle keeps the connection alive; do not wait for the server's keep-alive timeout (72 s)
process.exit(0)
`

function nodeClient (name: string, module: string, script: string): DigestClient {
  return {
    name,
    missing: async () => {
      try {
        await import(module)
        return undefined
      } catch {
        return `the npm package ${module} is not installed (npm ci installs the root devDependencies)`
      }
    },
    run: async (requests, user, password) => {
      // TLS verification off for the self-signed certificate (digest-fetch uses the global fetch).
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, user, password, JSON.stringify(requests)],
        { ...OPTS, env: { ...ENV, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' }, cwd: process.cwd() })
      return parseJsonLines(stdout)
    }
  }
}

export const digestFetchClient = nodeClient('digest-fetch (defaults)', 'digest-fetch', NODE_DIGEST_FETCH)
export const needleClient = nodeClient('needle (auth: digest)', 'needle', NODE_NEEDLE)

const RUBY_DIGEST_AUTH = `
require 'json'
require 'net/http'
require 'openssl'
require 'net/http/digest_auth'
user, password, list = ARGV[0], ARGV[1], JSON.parse(ARGV[2])
digest_auth = Net::HTTP::DigestAuth.new
results = []
list.each do |r|
  uri = URI(r['url'])
  uri.user = CGI.escape(user)
  uri.password = CGI.escape(password)
  http = Net::HTTP.new(uri.host, uri.port, nil)
  http.use_ssl = true
  http.verify_mode = OpenSSL::SSL::VERIFY_NONE
  klass = { 'GET' => Net::HTTP::Get, 'POST' => Net::HTTP::Post, 'PATCH' => Net::HTTP::Patch }[r['method']]
  http.start do |h|
    challenge = h.request(klass.new(uri.request_uri))
    req = klass.new(uri.request_uri)
    req['Authorization'] = digest_auth.auth_header(uri, challenge['www-authenticate'], r['method'])
    if r['body']
      req['Content-Type'] = r['contentType'] || 'application/json'
      req.body = r['body']
    end
    res = h.request(req)
    results << { 'status' => res.code.to_i, 'body' => res.body.to_s.force_encoding('UTF-8') }
  end
end
puts JSON.generate(results)
`

/** Ruby's Net::HTTP with the net-http-digest-auth gem (Debian's ruby-net-http-digest-auth), as its README shows. */
export const rubyDigestAuthClient: DigestClient = {
  name: 'Ruby net-http-digest-auth',
  missing: async () => await has('ruby', ['-e', 'require "net/http/digest_auth"']) ? undefined : 'ruby or the net-http-digest-auth gem is missing (apt-get install ruby-net-http-digest-auth)',
  run: async (requests, user, password) => {
    const { stdout } = await run('ruby', ['-rcgi', '-e', RUBY_DIGEST_AUTH, user, password, JSON.stringify(requests)], OPTS)
    return parseJsonLines(stdout)
  }
}

/** Every client of issue 6's interop matrix. */
export const DIGEST_CLIENTS: DigestClient[] = [
  curlClient, requestsClient, urllibClient, httpxClient, wgetClient,
  javaHttpURLConnectionClient, apacheHttpClient, digestFetchClient, needleClient, rubyDigestAuthClient
]

