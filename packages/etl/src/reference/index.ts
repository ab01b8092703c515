export * from './aggregates.ts';
export { bindRoles, type ReferenceRoles, referenceHorizon } from './roles.ts';
export { type Kind, logsFloats, type RawSeries } from './series.ts';
export { type ReferenceSeverity, referenceSeverity } from './severity.ts';
export { hourOf, type ReferenceDay, referenceDay, wallClock } from './time.ts';
