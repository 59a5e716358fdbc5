/**
 * The documentation page (@fastify/swagger-ui at /documentation) rendered by a real browser:
 * Debian's headless Chromium driven by playwright-core, over the example server's HTTPS. It
 * lists every operation of the document, and offers no "Try it out" (Swagger UI cannot answer
 * a Digest challenge; the README says why). Without Chromium: skipped with the reason under a
 * plain `npm test`, failed under CI=true (`.ci/run` installs it).
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import type { OpenApiDocument } from 'fastify-platform-api'
import { startHttpsApp } from './helpers/https-app.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

if (!existsSync(CHROMIUM)) {
  if (process.env.CI === 'true') t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`)
  else t.test('the documentation page in headless Chromium', { skip: `${CHROMIUM} is missing (apt-get install -y chromium): the page is not rendered in a browser` }, async () => {})
} else {
  t.test('the documentation page renders in headless Chromium and lists every operation', async (t) => {
    const server = await startHttpsApp(t, { seed: false })
    const document = server.app.swagger() as unknown as OpenApiDocument
    const expected: string[] = []
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of Object.keys(item)) if (['get', 'put', 'post', 'patch', 'delete'].includes(method)) expected.push(`${method.toUpperCase()} ${path}`)
    }

    // launchPersistentContext: a fresh --user-data-dir (playwright passes it itself).
    const context = await chromium.launchPersistentContext(t.testdir({}), { executablePath: CHROMIUM, headless: true, args: ARGS, ignoreHTTPSErrors: true })
    t.teardown(async () => { await context.close() })
    const page = context.pages()[0] ?? await context.newPage()
    const failed: string[] = []
    page.on('pageerror', (e) => failed.push(e.message))
    const answer = await page.goto(`${server.origin}/documentation`, { waitUntil: 'load' })
    t.equal(answer?.status(), 200)
    await page.waitForSelector('.opblock', { timeout: 30_000 })
    t.equal(await page.locator('.info .title').first().innerText().then((s) => s.split('\n')[0]?.trim()), 'Platform API (example server)')

    const listed = await page.$$eval('.opblock', (blocks) => blocks.map((b) => {
      const method = b.querySelector('.opblock-summary-method')?.textContent?.trim() ?? ''
      const path = b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? b.querySelector('.opblock-summary-path')?.textContent?.trim() ?? ''
      return `${method} ${path.replace(/\u200b/g, '')}`
    }))
    t.same([...listed].sort(), [...expected].sort(), `the page lists the ${expected.length} operations of the document`)
    t.ok(listed.includes('POST /api/v2/catalogs/{catalog}/databases/{database}/tables/create'))

    // Open one operation: its schemas render; no "Try it out" button is offered.
    await page.locator('#operations-tables-getTable .opblock-summary').first().click()
    await page.waitForSelector('#operations-tables-getTable .responses-wrapper')
    const opened = await page.locator('#operations-tables-getTable').innerText()
    t.match(opened, /fullyQualifiedName/, 'the response schema is shown')
    t.equal(await page.locator('.try-out__btn').count(), 0, 'no "Try it out" (Digest is not supported by Swagger UI)')
    t.same(failed, [], 'no script error on the page')
  })
}
