/**
 * Sweeps as a library: read a sweep file, expand it into points, run them (embedded pool or a
 * BullMQ queue), ask where they stand. `synaptogen sweep` and `synaptogen worker` are thin wrappers.
 */
export type { PointCost, PointFailure, PointResult, SweepEvent, SweepManifest } from './layout.js';
export { isSweepDir, readEvents, readSweepManifest, sweepPaths } from './layout.js';
export { expandSweep, pointId, type SweepPoint } from './points.js';
export { runWorker, type WorkerOptions } from './queue.js';
export { type PointOutcome, type PointProgress, runPoint } from './run-point.js';
export { runSweep, type SweepOptions, type SweepPointSummary } from './run-sweep.js';
export { type PointStatus, type PointStatusRow, sweepStatus } from './status.js';
export { parseSweep, readSweepFile, type SweepSpec } from './sweep-file.js';
