import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './schema.js';

test("migrations run in order from the file's user_version, in one transaction, and mark the file", () => {
  const steps: Migration[] = [
    { to: 1, sql: 'CREATE TABLE a (x)' },
    { to: 2, sql: 'ALTER TABLE a ADD COLUMN y' },
    { to: 3, sql: 'CREATE TABLE c (z)' },
  ];
  const db = new Database(':memory:');
  assert.equal(migrate(db, steps, 2), 0);
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
  assert.deepEqual(db.prepare("SELECT name FROM pragma_table_info('a')").all(), [
    { name: 'x' },
    { name: 'y' },
  ]);
  assert.equal(migrate(db, steps, 3), 2, 'only the step above 2 runs');
  assert.equal(db.pragma('user_version', { simple: true }), 3);
  assert.equal(migrate(db, steps, 3), 3, 'nothing to do');
  db.close();
});

test('a failing migration leaves the database at its old version', () => {
  const db = new Database(':memory:');
  migrate(db, [{ to: 1, sql: 'CREATE TABLE a (x)' }], 1);
  assert.throws(() =>
    migrate(
      db,
      [
        { to: 1, sql: '' },
        { to: 2, sql: 'CREATE TABLE b (x); CREATE TABLE a (x)' },
      ],
      2,
    ),
  );
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.deepEqual(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'b'`).all(), []);
  db.close();
});

test('the real migrations reach SCHEMA_VERSION with the indexes readers rely on', () => {
  const db = new Database(':memory:');
  migrate(db, MIGRATIONS, SCHEMA_VERSION);
  const indexes = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'frames'`).all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .sort();
  assert.deepEqual(indexes, ['frames_session_invocation', 'frames_session_kind', 'frames_session_seq']);
  db.close();
});

test('version 2 gives every existing session its own random uuid and counts it as redacted', () => {
  const db = new Database(':memory:');
  migrate(db, MIGRATIONS, 1);
  const insert = db.prepare('INSERT INTO sessions (id, start_wall_ms) VALUES (?, 1)');
  for (let id = 1; id <= 50; id++) insert.run(id);
  migrate(db, MIGRATIONS, 2);
  const rows = db.prepare('SELECT uuid, redact_off FROM sessions').all() as {
    uuid: string;
    redact_off: number;
  }[];
  assert.equal(new Set(rows.map((r) => r.uuid)).size, 50, 'all different');
  for (const r of rows) {
    assert.match(r.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.redact_off, 0);
  }
  assert.throws(() => db.prepare('UPDATE sessions SET uuid = ? WHERE id = 2').run(rows[0]!.uuid), /UNIQUE/);
  db.close();
});
