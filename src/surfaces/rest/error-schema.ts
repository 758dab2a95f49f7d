/** The REST error body as a zod schema, for route declarations and the OpenAPI document. */
import { z } from 'zod';
import { errorCatalogue, type ErrorCode } from '../../core/errors.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response has this shape; `code` is stable.' });

/** Standard error responses to spread into a route's `response` map. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  429: errorSchema,
  500: errorSchema,
} as const;
