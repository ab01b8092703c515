export { machineActivity } from './machine-activity.ts';
