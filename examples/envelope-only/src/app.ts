/**
 * The envelope alone: an app with its own routes and its own logic gets the Platform API
 * error format, request ids, 404/405/406/415, and validation that rejects unknown fields.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import envelope from '@platform-api/envelope'

const Book = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200 }),
  pages: Type.Optional(Type.Integer({ minimum: 1 }))
}, { additionalProperties: false })

/**
 * Build the app (not listening).
 * @param httpsOnly refuse plain HTTP (the envelope's default); `false` for a local demo or `inject`.
 */
export async function buildApp (httpsOnly = false): Promise<FastifyInstance> {
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(envelope, { httpsOnly })
  const books = new Map<string, { title: string, pages?: number }>()
  app.post('/books/:isbn', {
    schema: {
      params: Type.Object({ isbn: Type.String({ pattern: '^[0-9]{13}$' }) }),
      body: Book,
      response: app.envelope.responses({ 201: Book })
    }
  }, async (request, reply) => {
    if (books.has(request.params.isbn)) throw app.httpErrors.conflict(`Book ${request.params.isbn} exists`)
    books.set(request.params.isbn, request.body)
    return await reply.code(201).send(request.body)
  })
  app.get('/books/:isbn', {
    schema: { params: Type.Object({ isbn: Type.String() }), response: app.envelope.responses({ 200: Book }) }
  }, async (request) => {
    const book = books.get(request.params.isbn)
    if (book === undefined) throw app.httpErrors.notFound(`No book ${request.params.isbn}`)
    return book
  })
  return app
}
