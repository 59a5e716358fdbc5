// Constants shared by the processes of `npm run bench`.

/** The Digest realm of every contender. */
export const REALM = 'platform-api'
/** The API key every request authenticates with (ORG_OWNER in the suite). */
export const KEY = { publicKey: 'benchkey0001', privateKey: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b' }
/** The suite's nonce secret in the benchmark. */
export const NONCE_SECRET = 'bench-nonce-secret-0123456789abcdef0123'

/** The PostgreSQL server of the bench's PostgreSQL figures (`TEST_DATABASE_URL`, as the tests); left out when unreachable. */
export const BENCH_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Drop the schemas a bench part made on BENCH_DATABASE_URL (`pg` is loaded only then). */
export async function dropSchemas (schemas) {
  if (schemas.length === 0) return
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
