export { connectFleet, isPostgresUrl, safeUrl, asFleetError, FleetError, withFleet } from './pg-connect.js';
export { migrateFleet, fleetVersion, PG_SCHEMA_VERSION } from './pg-schema.js';
export { pushRecording, PushRefused, type PushOptions, type PushReport } from './push.js';
export type { SessionPush } from './push-session.js';
export { pullSessions, fleetSessionsByUuid, type PulledSession } from './pull.js';
export type { FleetSession } from './fleet-rows.js';
export { fleetStats } from './stats-pg.js';
export { listFleetSessions, type SessionFilter } from './fleet-sessions.js';
export { verifyFleet } from './verify-fleet.js';
