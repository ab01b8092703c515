// The raw (logger) side: test-data builder, plant simulator, SHDR importer.
export * from './shdr/index.ts';
