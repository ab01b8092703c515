import { z } from '@hono/zod-openapi';
import type { ZodType } from 'zod';

// Shared pieces of the OpenAPI route definitions: error bodies and the string formats of docs/api.md.

export const detailSchema = z
  .object({ detail: z.string().openapi({ example: "Unknown machine 'x'" }) })
  .openapi('ErrorDetail');

export const validationErrorSchema = z
  .object({
    detail: z.array(
      z.object({
        loc: z.array(z.union([z.string(), z.number()])).openapi({ example: ['query', 'target_date'] }),
        msg: z.string().openapi({ example: 'must be a date in the format YYYY-MM-DD' }),
        type: z.string().openapi({ example: 'date_parsing' }),
      }),
    ),
  })
  .openapi('ValidationError');

export const dateString = (description = "The machine's local day.") =>
  z.string().openapi({ description, format: 'date', example: '2024-03-01' });

export const naiveTimestamp = (description: string) =>
  z.string().openapi({
    description: `${description} Naive \`YYYY-MM-DD HH:MM:SS[.ffffff]\` in the machine's time zone.`,
    example: '2024-03-01 05:00:00',
  });

export const awareTimestamp = (description: string) =>
  z.string().openapi({
    description: `${description} \`YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM\`, in the machine's time zone.`,
    example: '2024-03-01 05:00:00+01:00',
  });

/** A JSON response of `schema`. */
export function json<T extends ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** The error responses every data route can give. */
export const errorResponses = {
  404: json(detailSchema, 'Unknown machine (or sensor), or no data where docs/api.md says 404.'),
  422: json(validationErrorSchema, 'A parameter is missing, repeated or malformed.'),
  500: json(detailSchema, 'Unexpected failure (never with exception text).'),
  503: json(detailSchema, 'A database is unreachable.'),
} as const;
