export { createTestDatabase, type TestDatabase } from './databases.ts';
export { canConnect } from './services.ts';
