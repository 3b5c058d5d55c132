/** The conformance suite (`functape conform`): scenarios as data, run sans-IO by `createConformRun`. */
export { createConformRun, type ConformEffects, type ConformRun } from './engine.js';
export { loadCatalogue, scenarioInfo, selectScenarios, type LevelFilter } from './catalogue.js';
export type { ConformContext, TranscriptEntry, Verdict } from './run-state.js';
export type { Scenario } from './scenario.js';
