import { z } from '@hono/zod-openapi';
import type { ErrorDetail, ValidationError } from '@mm/api-contract';
import type { output, ZodType } from 'zod';

// Shared pieces of the OpenAPI route definitions: error bodies and the string formats of docs/api.md.

export const detailSchema = schemaOf<ErrorDetail>()(
  z.object({ detail: z.string().openapi({ example: "Unknown machine 'x'" }) }).openapi('ErrorDetail'),
);

export const validationErrorSchema = schemaOf<ValidationError>()(
  z
    .object({
      detail: z.array(
        z.object({
          loc: z.array(z.union([z.string(), z.number()])).openapi({ example: ['query', 'target_date'] }),
          msg: z.string().openapi({ example: 'must be a date in the format YYYY-MM-DD' }),
          type: z.string().openapi({ example: 'date_parsing' }),
        }),
      ),
    })
    .openapi('ValidationError'),
);

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

/**
 * A JSON response of `schema` whose body is exactly `T`, its type in `@mm/api-contract`, which the
 * dashboard reads: a field, a nullability or an enum's values changed on one side and not the other
 * fails the typecheck here (the handlers are checked against the schema by `app.openapi`).
 *
 * @example
 * responses: { 200: served<Machine[]>()(z.array(machine), 'The machines.') }
 */
export function served<T>() {
  return <S extends ZodType<T>>(schema: S & ServesAll<output<S>, T>, description: string) =>
    json(schemaOf<T>()(schema), description);
}

/** `schema`, checked to produce exactly `T` (see {@link served}). */
export function schemaOf<T>() {
  return <S extends ZodType<T>>(schema: S & ServesAll<output<S>, T>): S => schema;
}

/** `S extends ZodType<T>` checks that every body the schema serves is a `T`; this, the other way. */
type ServesAll<Out, T> = [T] extends [Out]
  ? unknown
  : { 'the contract type allows a body the schema does not serve': T };

/** The error responses every data route can give. */
export const errorResponses = {
  404: json(detailSchema, 'Unknown machine (or sensor), or no data where docs/api.md says 404.'),
  422: json(validationErrorSchema, 'A parameter is missing, repeated or malformed.'),
  500: json(detailSchema, 'Unexpected failure (never with exception text).'),
  503: json(detailSchema, 'A database is unreachable.'),
} as const;
