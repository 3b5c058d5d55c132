import type { Frame } from './frame.js';
import type { SessionEnd, SessionStart } from './session.js';

/**
 * The one stream every source produces and every sink consumes (live proxy, a loaded
 * recording, a replay peer). Invariant: per session, exactly one `session-start` first,
 * then its frames in seq order, then exactly one `session-end`.
 */
export type CaptureEvent =
  | { type: 'session-start'; session: SessionStart }
  | { type: 'frame'; frame: Frame }
  | { type: 'session-end'; end: SessionEnd };

export type EventSink = (event: CaptureEvent) => void;
