/**
 * Roles and permissions.
 *
 * A permission is `<group>:<action>` (`catalog:read`, `admin:write`). A role grants a
 * list of patterns; in a pattern `*` matches one whole segment (`catalog:*`, `*:read`),
 * and the pattern `*` alone matches every permission.
 *
 * @module
 */

/**
 * The default roles (YugabyteDB Platform API / Atlas organisation roles):
 * - `ORG_OWNER`: everything, including `admin:read` / `admin:write` (API keys, their
 *   access lists, users);
 * - `ORG_MEMBER`: read and write catalog resources, read integrations and tasks;
 * - `ORG_READ_ONLY`: read catalog resources, integrations and tasks.
 */
export const DEFAULT_ROLES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ORG_OWNER: Object.freeze(['*']),
  ORG_MEMBER: Object.freeze(['catalog:read', 'catalog:write', 'integration:read', 'task:read']),
  ORG_READ_ONLY: Object.freeze(['catalog:read', 'integration:read', 'task:read'])
})

/**
 * `true` when `pattern` matches `permission`: the single pattern `*` matches anything;
 * otherwise both must have the same number of `:`-separated segments and each pattern
 * segment must be `*` or equal (case-sensitive) to the permission's.
 */
export function matchesPermission (pattern: string, permission: string): boolean {
  if (pattern === '*') return true
  if (pattern === permission) return true
  const want = permission.split(':')
  const have = pattern.split(':')
  if (want.length !== have.length) return false
  for (let i = 0; i < have.length; i++) {
    if (have[i] !== '*' && have[i] !== want[i]) return false
  }
  return true
}

/**
 * `true` when one of `roles` grants `permission` under `grants`.
 * Roles missing from `grants` (only own properties count) grant nothing.
 *
 * @param roles - the principal's roles, e.g. `['ORG_MEMBER']`.
 * @param permission - e.g. `catalog:write`.
 * @param grants - role name to permission patterns, e.g. {@link DEFAULT_ROLES}.
 */
export function hasPermission (roles: readonly string[], permission: string, grants: Record<string, readonly string[]>): boolean {
  for (const role of roles) {
    if (!Object.hasOwn(grants, role)) continue
    const patterns = grants[role]
    if (patterns === undefined) continue
    for (const pattern of patterns) {
      if (matchesPermission(pattern, permission)) return true
    }
  }
  return false
}

/**
 * The roles of `grants` that grant `permission` (what {@link hasPermission} answers for each
 * role alone), computed once per route so the per-request check is a `Set` lookup.
 */
export function rolesGranting (permission: string, grants: Record<string, readonly string[]>): ReadonlySet<string> {
  const granting = new Set<string>()
  for (const role of Object.keys(grants)) {
    if (hasPermission([role], permission, grants)) granting.add(role)
  }
  return granting
}

/**
 * Checks the syntax of a permission (`allowWildcard: false`, e.g. a route's
 * `config.permission`) or of a grant pattern (`allowWildcard: true`): non-empty
 * `:`-separated segments without spaces; `*` only as a whole segment.
 *
 * @returns a description of the problem, or `undefined` when valid.
 */
export function permissionSyntaxError (value: unknown, allowWildcard: boolean): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string'
  for (const segment of value.split(':')) {
    if (segment.length === 0) return `"${value}" has an empty segment`
    if (/\s/.test(segment)) return `"${value}" contains white space`
    if (segment.includes('*')) {
      if (!allowWildcard) return `"${value}" must not contain "*"`
      if (segment !== '*') return `"${value}": "*" must be a whole segment`
    }
  }
  return undefined
}
