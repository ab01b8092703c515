export { machineActivity } from './machine-activity.ts';
export { type MachineState, stateOfReading } from './state-reading.ts';
