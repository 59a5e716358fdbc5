#!/usr/bin/env node
// Keep the suite's versions in step: `npm run version:set -- 0.2.0` sets the version of every
// workspace package and every dependency of one on another to it. Prints what it changed.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const version = process.argv[2]
if (version === undefined || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error('usage: npm run version:set -- <major.minor.patch>')
  process.exit(2)
}
const root = new URL('../', import.meta.url)
const { workspaces } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
const files = workspaces.map((w) => fileURLToPath(new URL(`${w}/package.json`, root)))
const manifests = files.map((f) => JSON.parse(readFileSync(f, 'utf8')))
const ours = new Set(manifests.map((m) => m.name))
for (const [i, m] of manifests.entries()) {
  m.version = version
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    for (const dep of Object.keys(m[field] ?? {})) if (ours.has(dep)) m[field][dep] = version
  }
  writeFileSync(files[i], `${JSON.stringify(m, null, 2)}\n`)
  console.log(`${m.name} ${version}`)
}
console.log('now run npm install to update package-lock.json')
