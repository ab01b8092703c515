export { sensorStats } from './sensor-stats.ts';
