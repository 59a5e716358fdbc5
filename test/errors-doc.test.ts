import t from 'tap'
import { readFileSync } from 'node:fs'
// @ts-expect-error: a plain ESM script without types
import { render } from '../scripts/errors-doc.mjs'

t.test('docs/errors.md lists every error code of every catalogue (npm run docs:errors)', async (t) => {
  const current = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const expected: string = await render()
  t.equal(current, expected, 'docs/errors.md is stale: run npm run docs:errors')
  for (const code of ['INVALID_ATTRIBUTE', 'UNAUTHORIZED', 'INSUFFICIENT_ROLE', 'IP_ADDRESS_NOT_ON_ACCESS_LIST', 'INVALID_CURSOR', 'DUPLICATE_NAME', 'ENTITY_NOT_EMPTY']) {
    t.match(current, `\`${code}\``)
  }
})
