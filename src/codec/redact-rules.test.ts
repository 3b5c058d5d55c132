import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRedactRules, readRedactRulesFile, RedactRulesError } from './redact-rules.js';

test('a full rules file parses into RedactRules', () => {
  const rules = parseRedactRules(
    JSON.stringify({
      $comment: 'team rules',
      headers: ['x-tenant-secret'],
      query: ['sessionid'],
      env: ['*KEY*'],
      keepEnv: ['FUNCTIONS_*'],
      fieldPaths: ['invocationRequest.inputData.*.data.json', '**.rawBody'],
      hashKey: '0123456789abcdef',
    }),
  );
  assert.deepEqual(rules, {
    headers: ['x-tenant-secret'],
    query: ['sessionid'],
    env: ['*KEY*'],
    keepEnv: ['FUNCTIONS_*'],
    fieldPaths: ['invocationRequest.inputData.*.data.json', '**.rawBody'],
    hashKey: '0123456789abcdef',
  });
  assert.deepEqual(parseRedactRules('{}'), {});
});

test('bad rules give one clear message naming the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['{', /f\.json: not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{"header": ["a"]}', /unknown member "header" \(allowed: headers, query/],
    ['{"headers": "authorization"}', /"headers" must be an array of strings/],
    ['{"query": [""]}', /query\[0\] must be a non-empty string/],
    ['{"headers": ["x y"]}', /white space/],
    [
      '{"fieldPaths": ["invocationRequest.inptData"]}',
      /fieldPaths\[0\] "invocationRequest.inptData" no field matches "inptData" in InvocationRequest/,
    ],
    ['{"hashKey": "short"}', /at least 8 characters/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseRedactRules(text, 'f.json'),
      (err: unknown) =>
        err instanceof RedactRulesError && re.test(err.message) && !err.message.includes('\n'),
      text,
    );
  }
});

test('readRedactRulesFile reads a file and reports a missing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-rules-'));
  try {
    const file = join(dir, 'rules.json');
    writeFileSync(file, '{"query": ["sessionid"]}');
    assert.deepEqual(readRedactRulesFile(file), { query: ['sessionid'] });
    assert.throws(
      () => readRedactRulesFile(join(dir, 'nope.json')),
      /cannot read redact rules .*nope\.json: no such file/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
