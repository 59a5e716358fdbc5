/**
 * Start the built example server as a child process over HTTPS on an ephemeral port and stop
 * it with SIGTERM: the tsc output `examples/platform-server/dist/main.js` by default, or the
 * bundle `npm start` runs (`BUNDLE`, made from it by `npm run build`).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const MAIN = fileURLToPath(new URL('../../examples/platform-server/dist/main.js', import.meta.url))
/** The bundled server `npm start` runs (examples/platform-server/scripts/bundle.mjs). */
export const BUNDLE = fileURLToPath(new URL('../../examples/platform-server/dist/platform-server.mjs', import.meta.url))
const run = promisify(execFile)

export interface RunningServer {
  origin: string
  child: ChildProcess
  stdout: () => string
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>
}

/**
 * Start the server with `env` added to this process's environment; resolves once it listens.
 * @param startTimeoutMs how long to wait for "Server listening" (default 60 s: a first start initialises the embedded database and seeds it); on timeout the child is killed.
 * @param entry the file node runs: `MAIN` (default) or `BUNDLE`.
 */
export async function startServer (env: Record<string, string>, startTimeoutMs = 60_000, entry: string = MAIN): Promise<RunningServer> {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start in ${startTimeoutMs / 1000} s:\n${out}\n${err}`)) }, startTimeoutMs)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /Server listening at (https:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1] !== undefined) { clearTimeout(timer); resolve(m[1]) }
    })
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited with ${String(code)}:\n${out}\n${err}`)) })
  })
  return {
    origin,
    child,
    stdout: () => out,
    stop: async () => { child.kill('SIGTERM'); return await exited }
  }
}

/** Run curl with `args` (plus -s -k); resolves the HTTP status (from -w) and the body. */
export async function curl (args: string[]): Promise<{ status: number, body: string }> {
  const { stdout } = await run('curl', ['-sk', '-w', '\n%{http_code}', ...args], { maxBuffer: 16 * 1024 * 1024 }).catch((e: Error & { stderr?: string, code?: number }) => {
    throw new Error(`curl failed (${String(e.code)}): ${e.message} ${e.stderr ?? ''}`)
  })
  const cut = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) }
}

/** Run a Python 3 script (with `requests`); resolves its stdout. */
export async function python (script: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run('python3', ['-c', script], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 })
  return stdout
}
