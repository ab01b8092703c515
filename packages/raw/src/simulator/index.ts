export { type AlarmSpec, alarmCatalogue, alarmNumber, loggerVariables, noiseCatalogue } from './catalogue.ts';
export { type GarbageCounts, garbagePerWorkingDay } from './garbage.ts';
export {
  type DayBatch,
  type FloatRows,
  Plant,
  type PlantOptions,
  PlantOptionsError,
  type PlantVariable,
  plantVariables,
  resolvePlantOptions,
  type StringRows,
} from './plant.ts';
export { hashSeed, type Rng, rngFor } from './prng.ts';
export {
  type PowerPeriod,
  powerPeriods,
  roundTheClockSchedule,
  type Schedule,
  type Shift,
  twoShiftSchedule,
} from './schedule.ts';
export { type NotableCounts, UNAVAILABLE } from './signals.ts';
export {
  type DayProgress,
  type SimulatePlantOptions,
  SimulationConflictError,
  type SimulationSummary,
  type SimulationTarget,
  simulatePlant,
} from './simulate-plant.ts';
