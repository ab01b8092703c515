import { dateProblem } from '@mm/calendar';
import { machineSchema } from '@mm/config';
import { etlIds } from '@mm/etl';
import { z } from 'zod';

/** The payload of an ETL job: one (machine, ETL, machine-local day) slice. */
export const sliceJobSchema = z
  .object({
    // Machine ids are slugs (lowercase letters, digits, single dashes): they can hold neither `__` nor
    // `:`, which is what makes the job id below unambiguous and acceptable to BullMQ.
    machine: machineSchema.shape.id,
    etl: z.enum(etlIds, { error: `must be one of ${etlIds.join(', ')}` }),
    // Within the supported dates: a job for year 0 or 9999 would otherwise write ledger rows.
    day: z.string().superRefine((day, ctx) => {
      const problem = dateProblem(day);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
    }),
    // Whether the run records what it saw of the raw data (absent: it does). The scheduler turns it
    // off for days it never checks again; the slice is the same either way (same job id).
    fingerprint: z.boolean().optional(),
  })
  .strict();

export type SliceJob = z.infer<typeof sliceJobSchema>;

/** A slice that is not a valid job payload (the message lists every problem). */
export class InvalidSliceJobError extends Error {
  override name = 'InvalidSliceJobError';
}

/**
 * Parses a job payload, throwing {@link InvalidSliceJobError} that names every problem.
 *
 * @example
 * parseSliceJob({ machine: 'press-07', etl: 'energy', day: '2026-03-29' });
 */
export function parseSliceJob(data: unknown): SliceJob {
  const parsed = sliceJobSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'} ${i.message}`);
  throw new InvalidSliceJobError(`invalid slice job: ${problems.join('; ')}`);
}

const separator = '__';

/**
 * The deterministic job id of a slice, `<machine>__<etl>__<day>`: the same slice always gets the same
 * id, so adding it twice (two schedulers, a plan and an operator) queues it once. No `:` (BullMQ
 * reserves it) and never integer-like. Validates the slice first.
 *
 * @example
 * sliceJobId({ machine: 'press-07', etl: 'energy', day: '2026-03-29' }); // 'press-07__energy__2026-03-29'
 */
export function sliceJobId(slice: SliceJob): string {
  const { machine, etl, day } = parseSliceJob(slice);
  return [machine, etl, day].join(separator);
}

/**
 * The slice a job id names, or `null` when it is not a slice job id.
 *
 * @example
 * parseSliceJobId('press-07__energy__2026-03-29'); // { machine: 'press-07', etl: 'energy', day: '2026-03-29' }
 */
export function parseSliceJobId(id: string): SliceJob | null {
  const parts = id.split(separator);
  if (parts.length !== 3) return null;
  const [machine, etl, day] = parts;
  const parsed = sliceJobSchema.safeParse({ machine, etl, day });
  return parsed.success ? parsed.data : null;
}
