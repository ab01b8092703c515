import { z } from '@hono/zod-openapi';
import { awareTimestamp, dateString } from './schemas.ts';

/** A machine's recorded span of raw data (`/api/v2/plant`, `/api/v2/runs`). */
export const dataSpanSchema = z
  .object({
    state: z.enum(['recorded', 'no_readings', 'unknown']).openapi({
      description:
        '`recorded`: the scheduler read the machine’s raw data and found readings from `first_reading` to `last_reading`. `no_readings`: it found none. `unknown`: it has not read it yet (nothing is guessed).',
    }),
    first_reading: awareTimestamp('The earliest valid or off reading on a mapped variable.').nullable(),
    last_reading: awareTimestamp('The latest one (the data horizon).').nullable(),
    first_day: dateString('The machine-local day of `first_reading`.').nullable(),
    last_day: dateString(
      'The machine-local day of `last_reading`: days outside first_day..last_day have no data.',
    ).nullable(),
    last_reading_age_seconds: z.number().int().nullable(),
    checked_at: awareTimestamp('When the scheduler last read the span.').nullable(),
  })
  .openapi('DataSpan');
