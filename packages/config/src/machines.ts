import { z } from 'zod';
import { builtInProfiles, type Profile, profileSchema, signalsOverrideSchema } from './profiles.ts';

export const databaseUrlSchema = z
  .string()
  .trim()
  .refine((url) => /^postgres(ql)?:\/\/.+/.test(url) || /^pglite:.+/.test(url), {
    message: 'must be a postgres:// URL or pglite:<dir> / pglite:memory',
  });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const machineSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug: lowercase letters, digits and single dashes'),
  name: z.string().trim().min(1),
  rawDatabaseUrl: databaseUrlSchema,
  timezone: z
    .string()
    .default('UTC')
    .superRefine((zone, ctx) => {
      if (!isTimeZone(zone)) ctx.addIssue({ code: 'custom', message: `unknown IANA time zone '${zone}'` });
    }),
  profile: z.string().min(1),
  signals: signalsOverrideSchema.optional(),
});

export const machinesFileSchema = z
  .object({
    /** Site-defined profiles, by name, in addition to the built-in `logger` and `mtconnect`. */
    profiles: z.record(z.string(), profileSchema).default({}),
    machines: z.array(machineSchema).min(1, 'configure at least one machine'),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.machines.forEach((machine, index) => {
      if (seen.has(machine.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['machines', index, 'id'],
          message: `duplicate machine id '${machine.id}'`,
        });
      }
      seen.add(machine.id);
      if (!(machine.profile in builtInProfiles) && !(machine.profile in file.profiles)) {
        const known = [...Object.keys(builtInProfiles), ...Object.keys(file.profiles)].join(', ');
        ctx.addIssue({
          code: 'custom',
          path: ['machines', index, 'profile'],
          message: `unknown profile '${machine.profile}' (known: ${known})`,
        });
      }
    });
  });

/** A configured machine with its profile resolved (built-in or site profile, then `signals` overrides). */
export interface Machine {
  id: string;
  name: string;
  rawDatabaseUrl: string;
  timezone: string;
  profileName: string;
  profile: Profile;
}

export type MachinesFile = z.infer<typeof machinesFileSchema>;

/** Resolves each machine's profile. Expects a file that already passed `machinesFileSchema`. */
export function resolveMachines(file: MachinesFile): Machine[] {
  const profiles: Record<string, Profile> = { ...builtInProfiles, ...file.profiles };
  return file.machines.map((m) => {
    const base = profiles[m.profile];
    if (!base) throw new Error(`unknown profile '${m.profile}'`);
    const overrides = Object.fromEntries(Object.entries(m.signals ?? {}).filter(([, v]) => v !== undefined));
    return {
      id: m.id,
      name: m.name,
      rawDatabaseUrl: m.rawDatabaseUrl,
      timezone: m.timezone,
      profileName: m.profile,
      profile: { ...base, ...overrides },
    };
  });
}
