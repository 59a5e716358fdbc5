// Type tests of the public API (issue 13): declaration merging on FastifyRequest,
// FastifyInstance and FastifyContextConfig, the option types, the typed declarations.
// `npm test` compiles this file (tsc -p tsconfig.test.json); a wrong type fails the build.
import t from 'tap'
import { expectTypeOf } from 'expect-type'
import Fastify, { type FastifyContextConfig, type FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Principal, EnvelopeDecorator, EnvelopeOptions } from '@platform-api/envelope'
import type { AuthOptions, DigestAlgorithm } from '@platform-api/auth'
import type { AccessListOptions } from '@platform-api/access-list'
import type { PaginationDecorator, PaginationOptions } from '@platform-api/pagination'
import { defineResource, type CreateInput, type Entity, type ResourcesOptions } from '@platform-api/resources'
import type { PlatformApiOptions } from 'fastify-platform-api'

t.test('the public types', async (t) => {
  const app = Fastify()
  expectTypeOf<FastifyRequest['principal']>().toEqualTypeOf<Principal | null>()
  expectTypeOf<Principal['roles']>().toEqualTypeOf<readonly string[]>()
  expectTypeOf<FastifyContextConfig['permission']>().toEqualTypeOf<string | undefined>()
  expectTypeOf<FastifyContextConfig['auth']>().toEqualTypeOf<boolean | undefined>()
  expectTypeOf<FastifyContextConfig['accessList']>().toEqualTypeOf<boolean | undefined>()
  expectTypeOf(app.envelope).toEqualTypeOf<EnvelopeDecorator>()
  expectTypeOf(app.pagination).toEqualTypeOf<PaginationDecorator>()
  expectTypeOf(app.verifyDigest).parameters.toMatchTypeOf<[FastifyRequest, unknown]>()
  expectTypeOf(app.checkPermission).toEqualTypeOf<(request: FastifyRequest, permission: string) => void>()

  expectTypeOf<EnvelopeOptions['style']>().toEqualTypeOf<'plain' | 'status' | undefined>()
  expectTypeOf<AuthOptions['algorithms']>().toMatchTypeOf<DigestAlgorithm[] | readonly DigestAlgorithm[] | undefined>()
  expectTypeOf<'SHA-512-256-sess'>().toMatchTypeOf<DigestAlgorithm>()
  // @ts-expect-error not an algorithm of RFC 7616
  expectTypeOf<'SHA-1'>().toMatchTypeOf<DigestAlgorithm>()
  expectTypeOf<AccessListOptions['allowEmpty']>().toEqualTypeOf<boolean | undefined>()
  expectTypeOf<PaginationOptions['maxLimit']>().toEqualTypeOf<number | undefined>()
  expectTypeOf<ResourcesOptions['put']>().toEqualTypeOf<'upsert' | 'createIfAbsent' | undefined>()
  expectTypeOf<ResourcesOptions['paths']>().toEqualTypeOf<'flat' | 'nested' | undefined>()
  expectTypeOf<PlatformApiOptions['auth']>().toEqualTypeOf<AuthOptions>()

  const books = defineResource({
    collection: 'books',
    parent: { field: 'author', collection: 'authors' },
    fields: Type.Object({ title: Type.String(), pages: Type.Optional(Type.Integer()) })
  })
  expectTypeOf<Entity<typeof books>['title']>().toEqualTypeOf<string>()
  expectTypeOf<Entity<typeof books>['pages']>().toEqualTypeOf<number | undefined>()
  expectTypeOf<Entity<typeof books>['author']>().toEqualTypeOf<{ id: string, name: string, fullyQualifiedName: string } | undefined>()
  expectTypeOf<CreateInput<typeof books>['author']>().toEqualTypeOf<string | undefined>()
  // @ts-expect-error not a field of books
  expectTypeOf<Entity<typeof books>['isbn']>().toBeString()
  t.pass('the assertions above are checked by the type check of npm test')
})
