/**
 * The access list's error catalogue. Every `code` here is what clients see as `errorCode`
 * (MongoDB Atlas names: `IP_ADDRESS_NOT_ON_ACCESS_LIST`). Errors are made with
 * `@fastify/error`; the thrower sets `parameters` where the envelope should show them.
 */
import createError from '@fastify/error'

/**
 * 403: the request's client address is on none of the API key's access list entries
 * (YugabyteDB seed "API network access"). Argument: the address. `parameters`: `[address]`.
 */
export const IpAddressNotOnAccessListError = createError(
  'IP_ADDRESS_NOT_ON_ACCESS_LIST',
  'IP address %s is not on the access list for this API key',
  403
)

/**
 * 400: an access list entry is malformed. Argument: a sentence naming the field.
 * `parameters`: the field name(s), e.g. `['cidrBlock']`.
 */
export const InvalidAccessListEntryError = createError('INVALID_ACCESS_LIST_ENTRY', 'Invalid access list entry: %s', 400)

/**
 * 500: the API key's stored access list holds an entry that does not parse, so no
 * address can be judged. Argument: the principal id; `cause`: the
 * `INVALID_ACCESS_LIST_ENTRY` error. Clients see only a generic 5xx (the envelope logs it).
 */
export const AccessListUnusableError = createError(
  'ACCESS_LIST_UNUSABLE',
  'The access list of API key %s holds an invalid entry',
  500
)

/** Startup: an option given to the access-list plugin is invalid. */
export const AccessListInvalidOptionError = createError('ACCESS_LIST_INVALID_OPTION', 'Invalid @platform-api/access-list option: %s')

