/**
 * The resources package's error catalogue (`errorCode` values clients see).
 */
import createError from '@fastify/error'

/** 404: no entity with this id or fullyQualifiedName. */
export const EntityNotFoundError = createError('ENTITY_NOT_FOUND', '%s %s not found', 404)
/** 404: the parent named in a create request does not exist. `parameters`: the field's JSON Pointer and the name. */
export const ParentNotFoundError = createError('PARENT_NOT_FOUND', '%s "%s" named in %s not found', 404)
/** 409: an entity with this name already exists in the parent (YugabyteDB seed, 409 Conflict). */
export const DuplicateNameError = createError('DUPLICATE_NAME', '%s "%s" already exists', 409)
/** 409: a parent still has children and `?recursive=true` was not given. */
export const EntityNotEmptyError = createError('ENTITY_NOT_EMPTY', '%s "%s" is not empty: it has %s; delete them first or pass ?recursive=true', 409)
/** 409: the entity changed between read and write (optimistic concurrency on `version`). */
export const VersionConflictError = createError('VERSION_CONFLICT', '%s %s was changed by another request; read it again and retry', 409)
/** 412: `If-Match` names another version (RFC 9110 §13.1.1). */
export const PreconditionFailedError = createError('PRECONDITION_FAILED', 'The precondition %s is false; the current ETag is %s', 412)
/** 400: a JSON Patch (RFC 6902) or merge patch (RFC 7396) document that cannot be applied. */
export const InvalidPatchError = createError('INVALID_PATCH', '%s', 400)
/** 503: the store failed; nothing of the fault is shown to the client. */
export const StoreUnavailableError = createError('STORE_UNAVAILABLE', 'The store is unavailable', 503)
/** Startup: a resource definition or plugin option is invalid. */
export const InvalidResourceError = createError('RESOURCES_INVALID_OPTION', 'Invalid @platform-api/resources option: %s')
/** 409: DELETE of a task that has already finished (only queued and running tasks can be cancelled). */
export const TaskNotCancellableError = createError('TASK_NOT_CANCELLABLE', 'Task %s has finished (%s) and cannot be cancelled', 409)
/** 400: the `Idempotency-Key` header is not one RFC 8941 sf-string of 1 to 255 characters (draft-ietf-httpapi-idempotency-key-header §2.1). */
export const InvalidIdempotencyKeyError = createError('INVALID_IDEMPOTENCY_KEY', 'The Idempotency-Key header must be one RFC 8941 string of 1 to %s characters, e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324" (%s)', 400)
/** 400: the route requires an `Idempotency-Key` header and the request has none (draft §2.7). */
export const IdempotencyKeyMissingError = createError('IDEMPOTENCY_KEY_MISSING', 'This request requires an Idempotency-Key header, e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"', 400)
/** 422: the key was used by this API key for another request (method, path or body) within its lifetime (draft §2.7). */
export const IdempotencyKeyReusedError = createError('IDEMPOTENCY_KEY_REUSED', 'The Idempotency-Key "%s" was used for another request (method, path or body); use a new key for a new request', 422)
/** 409: a request with this key is still being processed (draft §2.7); the answer carries `Retry-After`. */
export const IdempotencyKeyInUseError = createError('IDEMPOTENCY_KEY_IN_USE', 'A request with the Idempotency-Key "%s" is still being processed; retry later', 409)
/** 409: the request with this key was done, but its answer was not kept (a secret shown once, or too large); `Location` names what it made. */
export const IdempotentAnswerNotKeptError = createError('IDEMPOTENT_ANSWER_NOT_KEPT', 'The request with the Idempotency-Key "%s" was done (%s), but its answer is not kept: %s', 409)
