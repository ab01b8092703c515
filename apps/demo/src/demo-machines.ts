import type { DemoSettings } from './demo-settings.ts';

/** The simulated `logger` machine: always part of the demo. */
export const PRESS_ID = 'press-07';
/** The real MTConnect machine of the NIST logs: part of the demo when the logs are there. */
export const MAZAK_ID = 'mazak01';
export const PRESS_TIMEZONE = 'Europe/Madrid';

/** One machine of the machines file, as `@mm/config` reads it. */
export interface DemoMachineEntry {
  id: string;
  name: string;
  rawDatabaseUrl: string;
  timezone: string;
  profile: string;
  signals?: Record<string, unknown>;
  v1Compat?: boolean;
}

/**
 * The demo's machines file (DOMAIN §1): the simulated `press-07` and, when the NIST logs are
 * available, the real `mazak01` with its spindle load as the one motor (rated 11 kW). The machine
 * named by `v1Machine` comes first, with `v1Compat`.
 *
 * @example
 * writeFileSync('machines.json', JSON.stringify(demoMachinesFile(settings), null, 2));
 */
export function demoMachinesFile(
  settings: Pick<DemoSettings, 'rawDatabaseUrl' | 'nistDir'> & Partial<Pick<DemoSettings, 'v1Machine'>>,
): {
  machines: DemoMachineEntry[];
} {
  const machines: DemoMachineEntry[] = [
    {
      id: PRESS_ID,
      name: 'Press 07 (simulated)',
      rawDatabaseUrl: settings.rawDatabaseUrl(PRESS_ID),
      timezone: PRESS_TIMEZONE,
      profile: 'logger',
    },
  ];
  if (settings.nistDir !== null) {
    machines.push({
      id: MAZAK_ID,
      name: 'Mazak Integrex 100-IV (NIST SMS Test Bed)',
      rawDatabaseUrl: settings.rawDatabaseUrl(MAZAK_ID),
      timezone: 'UTC',
      profile: 'mtconnect',
      signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] },
    });
  }
  const v1 = machines.find((m) => m.id === settings.v1Machine);
  if (v1) return { machines: [{ ...v1, v1Compat: true }, ...machines.filter((m) => m !== v1)] };
  return { machines };
}
