/** GET /.well-known/jwks.json: the public keys that verify Portico's own tokens (no credential needed). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SigningKeys } from '../../../auth/signing-keys.js';
import { errorResponses } from '../error-schema.js';

/** Public EC members only: a private member (`d`) could never pass through this schema. */
const jwkSchema = z.object({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.string(), crv: z.string(), x: z.string(), y: z.string() }).meta({ id: 'Jwk' });

export function registerJwksRoute(app: FastifyInstance, signingKeys: SigningKeys): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['auth'],
        summary: 'JSON Web Key Set of the keys that sign Portico tokens',
        response: { 200: z.object({ keys: z.array(jwkSchema) }).meta({ id: 'Jwks' }), ...errorResponses },
      },
    },
    async (_request, reply) => {
      // Short: a rotated-in key must reach verifiers well before tokens signed with it are common.
      void reply.header('cache-control', 'public, max-age=300');
      const { keys } = await signingKeys.jwks();
      return { keys: keys.map((k) => ({ kty: String(k.kty), kid: String(k.kid), alg: String(k.alg), use: String(k.use), crv: String(k.crv), x: String(k.x), y: String(k.y) })) };
    },
  );
}
