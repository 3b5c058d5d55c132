import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFieldPath, createPathMatcher } from './redact-paths.js';
import { compileGlob, compileGlobs } from './redact-glob.js';

test('globs are case-insensitive with * wildcards', () => {
  assert.ok(compileGlob('x-ms-*token*')('X-MS-TOKEN-AAD-ID-TOKEN'));
  assert.ok(!compileGlob('x-ms-*token*')('x-ms-client'));
  assert.ok(compileGlob('Authorization')('authorization'));
  assert.ok(!compileGlob('auth')('authorization'));
  assert.ok(compileGlobs(['a', 'b*'])('B2'));
  assert.ok(!compileGlobs([])('a'));
});

test('path matcher: segments, ** and acceptance', () => {
  const m = createPathMatcher(['invocationRequest.inputData.*.data', '**.rawBody']);
  let s = m.step(m.start, 'invocationRequest');
  assert.ok(!m.accepts(s));
  s = m.step(s, 'inputData', 'input_data');
  s = m.step(s, '3');
  s = m.step(s, 'data');
  assert.ok(m.accepts(s));
  let r = m.step(m.start, 'invocationResponse');
  r = m.step(r, 'returnValue');
  r = m.step(r, 'http');
  assert.ok(!m.accepts(r));
  assert.ok(m.accepts(m.step(r, 'rawBody')));
  const none = createPathMatcher([]);
  assert.equal(none.step(none.start, 'x').length, 0);
});

test('field paths are checked against the schema', () => {
  assert.equal(checkFieldPath('invocationRequest.inputData.*.data.json'), undefined);
  assert.equal(checkFieldPath('invocation_request.input_data.0.data'), undefined);
  assert.equal(checkFieldPath('**.rawBody'), undefined);
  assert.equal(checkFieldPath('invocationRequest.triggerMetadata.Headers.json'), undefined);
  assert.equal(checkFieldPath('functionEnvironmentReloadRequest.environmentVariables.*'), undefined);
  assert.match(
    checkFieldPath('invocationRequest.inputdata2')!,
    /no field matches "inputdata2" in InvocationRequest/,
  );
  assert.match(checkFieldPath('invocationRequest.inputData.data')!, /index or \*/);
  assert.match(checkFieldPath('rpcLog.level')!, /number, boolean or enum/);
  assert.match(checkFieldPath('rpcLog..message')!, /empty segment/);
});
