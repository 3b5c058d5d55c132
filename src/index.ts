/** functape as a library. Explicit named exports only. */
export type { Frame, FrameIndex, StoredFrame, Direction } from './model/frame.js';
export type { SessionStart, SessionEnd, SessionInfo, StreamStatus, Metadata, EndReason } from './model/session.js';
export type { CaptureEvent, EventSink } from './model/event.js';
export type { Duplex, DuplexEnd } from './model/duplex.js';
export type { CaptureStore, StoreStats } from './model/store.js';
export { describe, MESSAGE_KINDS } from './codec/describe.js';
export { decodeMessage, encodeMessage, makeMessage, messageToJson, messageFromJson } from './codec/streaming-message.js';
export type { StreamingMessage } from './codec/streaming-message.js';
export { FUNCTAPE_VERSION } from './version.js';
// Capture-time redaction (docs/SECURITY.md).
export { createRedactor, DEFAULT_SECRET_HEADERS, DEFAULT_SECRET_QUERY } from './codec/redact.js';
export type { RedactRules, Redactor } from './codec/redact.js';
export { parseRedactRules, readRedactRulesFile, RedactRulesError } from './codec/redact-rules.js';
export { redactInPlace } from './recording/redact-in-place.js';
export type { RedactInPlaceReport, RedactInPlaceOptions } from './recording/redact-in-place.js';
