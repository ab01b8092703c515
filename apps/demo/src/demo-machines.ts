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
}

/**
 * The demo's machines file (DOMAIN §1): the simulated `press-07` and, when the NIST logs are
 * available, the real `mazak01` with its spindle load as the one motor (rated 11 kW).
 *
 * @example
 * writeFileSync('machines.json', JSON.stringify(demoMachinesFile(settings), null, 2));
 */
export function demoMachinesFile(settings: Pick<DemoSettings, 'rawDatabaseUrl' | 'nistDir'>): {
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
  return { machines };
}
