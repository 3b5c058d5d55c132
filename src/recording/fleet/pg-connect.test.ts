import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetError, safeUrl, scrub } from './pg-connect.js';

test('a printed URL never holds the password, in the user part or as a parameter', () => {
  assert.equal(
    safeUrl('postgres://me:s3cret@db/fleet?sslmode=require'),
    'postgres://me:***@db/fleet?sslmode=require',
  );
  assert.equal(
    safeUrl('postgres://me@db/fleet?password=s3cret&sslmode=verify-full'),
    'postgres://me@db/fleet?password=***&sslmode=verify-full',
  );
  assert.equal(safeUrl('postgres://db/fleet'), 'postgres://db/fleet');
  assert.ok(!safeUrl('postgres://me:p%40ss@db/x').includes('p%40ss'));
});

test('an error text is scrubbed of the password however it got in, on one line', () => {
  const url = 'postgres://me:p%40ss@db/fleet';
  assert.equal(scrub('server said: bad p@ss\nagain p@ss', url), 'server said: bad *** again ***');
  const e = new FleetError('postgres://me:p@ss@db: cannot connect (p@ss)', url);
  assert.ok(!e.message.includes('p@ss'), e.message);
  assert.ok(!e.path.includes('p%40ss'));
  assert.equal(scrub('text s3cret', 'postgres://me@db/x?password=s3cret'), 'text ***');
});
