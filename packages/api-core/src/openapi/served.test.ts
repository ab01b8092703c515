import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { schemaOf, served } from './schemas.ts';

// What `served` checks happens at compile time: each `@ts-expect-error` below is a mismatch it must
// refuse, and `pnpm typecheck` fails ("unused directive") the day one is let through.

interface Cell {
  status: 'complete' | 'failed';
  error: string | null;
}
const cell = z.object({ status: z.enum(['complete', 'failed']), error: z.string().nullable() });

describe('served / schemaOf: a response schema bound to its @mm/api-contract type', () => {
  it('takes a schema whose output is exactly the type, and describes it as JSON', () => {
    expect(schemaOf<Cell>()(cell)).toBe(cell);
    expect(served<Cell[]>()(z.array(cell), 'Cells.')).toMatchObject({
      description: 'Cells.',
      content: { 'application/json': { schema: expect.any(Object) } },
    });
  });

  it('refuses a schema that serves what the type does not have', () => {
    // @ts-expect-error a field the type lacks
    schemaOf<Cell>()(cell.extend({ rows: z.number() }));
    // @ts-expect-error an enum widened to any string
    schemaOf<Cell>()(cell.extend({ status: z.string() }));
    // @ts-expect-error a null the type does not allow
    schemaOf<{ error: string }>()(z.object({ error: z.string().nullable() }));
  });

  it('refuses a schema that never serves what the type allows', () => {
    // @ts-expect-error a field of the type the schema lacks
    schemaOf<Cell & { rows: number }>()(cell);
    // @ts-expect-error an enum value the schema does not know
    schemaOf<{ status: 'complete' | 'failed' | 'stale'; error: string | null }>()(cell);
    // @ts-expect-error a null the schema never serves
    schemaOf<{ status: Cell['status']; error: string | null }>()(cell.extend({ error: z.string() }));
  });
});
