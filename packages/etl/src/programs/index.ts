export { programs } from './programs.ts';
