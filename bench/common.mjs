// Constants shared by the processes of `npm run bench`.

/** The Digest realm of every contender. */
export const REALM = 'platform-api'
/** The API key every request authenticates with (ORG_OWNER in the suite). */
export const KEY = { publicKey: 'benchkey0001', privateKey: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b' }
/** The suite's nonce secret in the benchmark. */
export const NONCE_SECRET = 'bench-nonce-secret-0123456789abcdef0123'
