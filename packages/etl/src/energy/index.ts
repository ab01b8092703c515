export { energy } from './energy.ts';
