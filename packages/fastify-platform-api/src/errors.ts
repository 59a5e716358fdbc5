/** The umbrella's error catalogue. */
import createError from '@fastify/error'

/** Startup: an option of the umbrella plugin is invalid (sub-plugins throw their own codes). */
export const PlatformApiInvalidOptionError = createError('PLATFORM_API_INVALID_OPTION', 'Invalid fastify-platform-api option: %s')

/** Startup: an option of `platformApiDocs` is invalid. */
export const DocsInvalidOptionError = createError('DOCS_INVALID_OPTION', 'Invalid platformApiDocs option: %s')
