/** functape as a library. Explicit named exports only. */
export type { Frame, FrameIndex, StoredFrame, Direction } from './model/frame.js';
export type {
  SessionStart,
  SessionEnd,
  SessionInfo,
  StreamStatus,
  Metadata,
  EndReason,
} from './model/session.js';
export type { CaptureEvent, EventSink } from './model/event.js';
export type { Duplex, DuplexEnd } from './model/duplex.js';
export type { CaptureStore, StoreStats } from './model/store.js';
export { describe, MESSAGE_KINDS } from './codec/describe.js';
export {
  decodeMessage,
  encodeMessage,
  makeMessage,
  messageToJson,
  messageFromJson,
} from './codec/streaming-message.js';
export type { StreamingMessage } from './codec/streaming-message.js';
export { FUNCTAPE_VERSION } from './version.js';
// Replay (issue 3): re-drive either side of a recorded session and diff the answers.
export { replayHost, replayHostSetup } from './replay/replay-host.js';
export type { ReplayHostOptions, HostSetup } from './replay/replay-host.js';
export { replayWorker, WORKER_SIDE_IGNORES } from './replay/replay-worker.js';
export type { ReplayWorkerOptions } from './replay/replay-worker.js';
export type { ReplayFrame } from './replay/replay-frame.js';
export { parsePace, formatPace, type Pace } from './replay/pace.js';
export {
  parseHostFault,
  parseWorkerFault,
  formatFault,
  type HostFault,
  type WorkerFault,
} from './replay/faults/fault-spec.js';
export { applyFaults } from './replay/faults/apply-faults.js';
export type { FaultSchedule } from './replay/faults/fault-schedule.js';
export type { FaultReport, InjectedFault } from './report/fault-report.js';
export { learnNoise, formatIgnoreFile, parseIgnoreFile } from './replay/learn-noise.js';
export type { NoiseReport, NoisePath } from './report/noise-report.js';
export { DEFAULT_IGNORES } from './replay/ignore-paths.js';
export { createDuplexPair, type DuplexPair } from './replay/memory-duplex.js';
export { replayExitCode, replaySummaryLine } from './report/replay-report.js';
export type {
  ReplayReport,
  ReplayOutcome,
  ReplayCounts,
  ReplayStreamEnd,
  FieldDifference,
  OutcomeStatus,
} from './report/replay-report.js';
export { formatReplayText } from './report/replay-text.js';
export { formatReplayJson } from './report/replay-json.js';
export { formatReplayJunit } from './report/replay-junit.js';
// What the replay example in the README needs besides replay itself.
export { openRecording } from './recording/open-recording.js';
export { listenAsHost, dialAsWorker } from './wire/grpc-peer.js';
export { buildHostArgs, parseHostArgs } from './peers/host-args.js';
// Capture-time redaction (docs/SECURITY.md).
export { createRedactor, DEFAULT_SECRET_HEADERS, DEFAULT_SECRET_QUERY } from './codec/redact.js';
export type { RedactRules, Redactor } from './codec/redact.js';
export { parseRedactRules, readRedactRulesFile, RedactRulesError } from './codec/redact-rules.js';
export { redactInPlace } from './recording/redact-in-place.js';
export type { RedactInPlaceReport, RedactInPlaceOptions, RedactHint } from './recording/redact-in-place.js';
export { scanForSecrets, SECRET_SIGNATURES, type SecretHint } from './codec/redact-scan.js';
// The recording proxy (issue 2): an HTTP/2-level gRPC relay, its frame parser, and the
// sans-IO recorder that turns what it observes into CaptureEvents for a CaptureStore.
export { startH2Relay, systemClock } from './wire/h2-relay.js';
export type { StreamEndCommand, StreamEndDecider, StreamEndEvent } from './model/stream-end.js';
export type {
  H2Relay,
  H2RelayOptions,
  RelayClock,
  RelayOutcome,
  RelayStreamInfo,
  RelayStreamTap,
} from './wire/h2-relay.js';
export {
  createGrpcFrameParser,
  frameGrpcMessage,
  type GrpcFrameParser,
  type GrpcFrameParserOptions,
} from './wire/grpc-frame-parser.js';
export { createCaptureRecorder } from './proxy/capture-recorder.js';
export { createStreamEnd } from './proxy/stream-end.js';
export type {
  CaptureRecorder,
  CaptureRecorderOptions,
  CaptureSession,
  RecorderStats,
  SessionOpening,
  SessionClosing,
} from './proxy/capture-recorder.js';
// Recordings (issue 2): the SQLite store, reading, NDJSON, verify.
export {
  openCaptureStore,
  createRecordingWriter,
  RecordingError,
  verifyRecording,
  importNdjson,
  SCHEMA_VERSION,
} from './recording/index.js';
export { frameLine, sessionLine, sessionEndLine, parseLine, NdjsonError } from './recording/index.js';
export type {
  Recording,
  FrameFilter,
  RecordingWriter,
  CaptureStoreOptions,
  VerifyReport,
  VerifyProblem,
  ImportReport,
  NdjsonRecord,
} from './recording/index.js';
export { createTimeline, type Timeline, type TimelineRow } from './report/timeline.js';
export { formatTimelineRow } from './report/timeline-text.js';
// Bench (issue 4): load a worker with a recording's invocations; the report as data and its printers.
export {
  runBenchLoad,
  type BenchTarget,
  type BenchDriverOptions,
  type BenchRunResult,
  type BenchProgress,
  type AnswerVerifier,
} from './load/bench-driver.js';
export { collectBenchSource, type BenchSource, type BenchTemplate } from './load/bench-source.js';
export { createBenchVerifier } from './load/bench-verify.js';
export { createPacer, type Pacer, type LoadPlan, type PaceStep } from './load/pacer.js';
export { resolveLoadPlan, describeLoadPlan, type LoadFlags } from './load/load-plan.js';
export { parseDuration } from './load/duration.js';
export type {
  BenchReport,
  Figures,
  FunctionFigures,
  LatencySummary,
  TimelinePoint,
  WorkerFigures,
} from './report/bench-report.js';
export { renderBenchText } from './report/bench-text.js';
export { renderBenchHtml } from './report/bench-html.js';
export { loadUplotAssets } from './report/uplot-assets.js';
export { compareBenchReports, renderBenchComparison, type BenchComparison } from './report/bench-compare.js';
// Reference peers (issue 2): the worker and the scripted host, sans-IO cores and runners.
export {
  rewriteHostAddress,
  type HostArgs,
  type ParsedHostArgs,
  type HostArgsResult,
} from './peers/host-args.js';
export { EVENT_STREAM_PATH, type HostListener, type PeerDuplex } from './wire/grpc-peer.js';
export { HOST_MAX_MESSAGE_BYTES, formatHostPort, type HostPort } from './model/host-address.js';
export {
  createWorkerProtocol,
  workerCapabilities,
  type WorkerProtocol,
  type WorkerConfig,
  type WorkerEffect,
} from './peers/worker-protocol.js';
export { runWorker, type WorkerRunResult } from './peers/worker-runner.js';
export { BUILTIN_FUNCTIONS, type BuiltinFunction } from './peers/builtin-functions.js';
export {
  createHostScript,
  type HostScript,
  type HostScriptConfig,
  type HostEffect,
} from './peers/host-script.js';
export { runHost, type HostRunOptions } from './peers/host-runner.js';
export { formatHostReport, hostExitCode, type HostReport } from './peers/host-report.js';
export { spawnWorker, type SpawnedWorker, type WorkerExit } from './peers/spawn-worker.js';
export { shellSplit, shellQuote } from './peers/shell-split.js';
