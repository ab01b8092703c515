import { z } from 'zod';
import { builtInProfiles, type Profile, profileSchema, signalsOverrideSchema } from './profiles.ts';
import { strictObject } from './strict-object.ts';

export const databaseUrlSchema = z
  .string()
  .trim()
  .refine((url) => /^postgres(ql)?:\/\/.+/.test(url) || /^pglite:.+/.test(url), {
    message: 'must be a postgres:// URL or pglite:<dir> / pglite:memory',
  });

// Each Intl.DateTimeFormat costs tens of microseconds and native memory the process keeps after its
// garbage is collected; a plant's machines share a handful of zones, so each zone is checked once.
const canonicalZones = new Map<string, string | null>();

/** The canonical spelling of an IANA zone ('europe/madrid' → 'Europe/Madrid'), or null when unknown. */
function canonicalZone(zone: string): string | null {
  let canonical = canonicalZones.get(zone);
  if (canonical === undefined) {
    try {
      canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      canonical = null;
    }
    canonicalZones.set(zone, canonical);
  }
  return canonical;
}

export const machineSchema = strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug: lowercase letters, digits and single dashes'),
  name: z.string().trim().min(1),
  rawDatabaseUrl: databaseUrlSchema,
  timezone: z
    .string()
    .default('UTC')
    .superRefine((zone, ctx) => {
      if (canonicalZone(zone) === null)
        ctx.addIssue({ code: 'custom', message: `unknown IANA time zone '${zone}'` });
    })
    // 'europe/madrid' is accepted by Intl; store the canonical spelling so every log and key agrees.
    .transform((zone) => canonicalZone(zone) ?? zone),
  profile: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? "is missing: name the machine's signal profile ('logger', 'mtconnect' or one defined under 'profiles')"
          : 'must be the name of a signal profile',
    })
    .min(1, "must name the machine's signal profile"),
  signals: signalsOverrideSchema.optional(),
  /**
   * Answers the original (v1) dashboards as they expect for this machine: `TEMPERATURA_BASE` names the
   * machine's first temperature sensor, and `/api/v1/machine_changes` speaks the logger's encoding
   * (255 running, 0 idle, null off) with the state in force at `start` first. Off by default, so
   * machines whose v1 answers dashboards already read see no change.
   */
  v1Compat: z.boolean().default(false),
});

export const machinesFileSchema = strictObject({
  /** Site-defined profiles, by name, in addition to the built-in `logger` and `mtconnect`. */
  profiles: z.record(z.string(), profileSchema).default({}),
  machines: z.array(machineSchema).min(1, 'configure at least one machine'),
}).superRefine(checkIdsAndProfiles, {
  // Run even when some machine failed to parse (a missing name, a bad override): otherwise a
  // duplicate id or an unknown profile would only surface on the next start.
  when: (payload) => isRecord(payload.value),
});

// Sees the file as parsed so far, which may be partial when other problems were found: every field is
// checked before use.
function checkIdsAndProfiles(file: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(file) || !Array.isArray(file.machines)) return;
  const siteProfiles = isRecord(file.profiles) ? file.profiles : {};
  const known = [...Object.keys(builtInProfiles), ...Object.keys(siteProfiles)];
  for (const name of Object.keys(siteProfiles)) {
    if (Object.hasOwn(builtInProfiles, name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['profiles', name],
        message: `'${name}' is a built-in profile; give the site profile another name (or override roles per machine with 'signals')`,
      });
    }
  }
  const seen = new Set<string>();
  file.machines.forEach((machine: unknown, index) => {
    if (!isRecord(machine)) return;
    const { id, profile } = machine;
    if (typeof id === 'string') {
      if (seen.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['machines', index, 'id'],
          message: `duplicate machine id '${id}'`,
        });
      }
      seen.add(id);
    }
    // Own keys only: `profile: "toString"` must not find Object.prototype.toString.
    if (
      typeof profile === 'string' &&
      profile !== '' && // already reported by the machine's schema
      !Object.hasOwn(builtInProfiles, profile) &&
      !Object.hasOwn(siteProfiles, profile)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['machines', index, 'profile'],
        message: `unknown profile '${profile}' (known: ${known.join(', ')})`,
      });
    }
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A configured machine with its profile resolved (built-in or site profile, then `signals` overrides). */
export interface Machine {
  id: string;
  name: string;
  rawDatabaseUrl: string;
  timezone: string;
  profileName: string;
  profile: Profile;
  /** The machines file's `v1Compat` opt-in (absent: off). */
  v1Compat?: boolean;
}

export type MachinesFile = z.infer<typeof machinesFileSchema>;

/** Resolves each machine's profile. Expects a file that already passed `machinesFileSchema`. */
export function resolveMachines(file: MachinesFile): Machine[] {
  const profiles: Record<string, Profile> = { ...builtInProfiles, ...file.profiles };
  return file.machines.map((m) => {
    const base = Object.hasOwn(profiles, m.profile) ? profiles[m.profile] : undefined;
    if (!base) throw new Error(`unknown profile '${m.profile}'`);
    const overrides = Object.fromEntries(Object.entries(m.signals ?? {}).filter(([, v]) => v !== undefined));
    return {
      id: m.id,
      name: m.name,
      rawDatabaseUrl: m.rawDatabaseUrl,
      timezone: m.timezone,
      profileName: m.profile,
      profile: { ...base, ...overrides },
      // Present only when opted in: a machine without it reads exactly as before.
      ...(m.v1Compat ? { v1Compat: true } : {}),
    };
  });
}
