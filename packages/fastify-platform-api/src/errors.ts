/** The umbrella's error catalogue. */
import createError from '@fastify/error'

/** Startup: an option of the umbrella plugin is invalid (sub-plugins throw their own codes). */
export const PlatformApiInvalidOptionError = createError('PLATFORM_API_INVALID_OPTION', 'Invalid fastify-platform-api option: %s')
