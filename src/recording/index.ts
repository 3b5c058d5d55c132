export { openCaptureStore, type CaptureStoreOptions, type CaptureStoreTuning } from './capture-store.js';
export { openRecording, type Recording, type FrameFilter } from './open-recording.js';
export {
  createRecordingWriter,
  type RecordingWriter,
  type RecordingWriterOptions,
} from './recording-writer.js';
export { RecordingError, type RecordingErrorReason } from './recording-error.js';
export {
  verifyRecording,
  type VerifyReport,
  type VerifyProblem,
  type VerifyProblemKind,
} from './verify-recording.js';
export {
  frameLine,
  createFrameLiner,
  sessionLine,
  sessionEndLine,
  parseLine,
  NdjsonError,
  type NdjsonRecord,
  type NdjsonFrame,
} from '../codec/ndjson.js';
export { importNdjson, type ImportOptions, type ImportReport } from './import-ndjson.js';
export { SCHEMA_VERSION, APPLICATION_ID } from './schema.js';
export { removeRecordingFiles, isRecordingYet } from './open-database.js';
export { selectSessions, type SessionSelection } from './select-sessions.js';
export { createLineOutput, type LineOutput } from './line-output.js';
export type { KnownFrameIndex } from './record-sink.js';
export { parallelExport, type ParallelExportOptions } from './parallel-export.js';
export { recordingStats } from './stats-sqlite.js';
export { failedSessionIds } from './failed-sessions.js';
