import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCatalogueMarkdown } from '../../report/conform-text.js';
import { loadCatalogue, scenarioInfo, selectScenarios } from './catalogue.js';
import { parseScenarios } from './scenario.js';
import { BUILTIN_SCENARIO_FILES } from './scenarios/index.js';

/** The repository root (this file runs as dist/src/replay/conform/catalogue.test.js). */
const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

test('README "The catalogue" is exactly `conform --list --markdown` of the scenario data', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m = /<!-- conform-catalogue:start -->\n([\s\S]*?)<!-- conform-catalogue:end -->/.exec(readme);
  assert.ok(m, 'README has the catalogue markers');
  assert.equal(m[1], formatCatalogueMarkdown(loadCatalogue().map(scenarioInfo)));
});

test('every scenario file in the folder is in the index; the catalogue covers every area of issue 17', () => {
  const folder = join(REPO, 'src/replay/conform/scenarios');
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.deepEqual(BUILTIN_SCENARIO_FILES.map((f) => f.name).sort(), files);
  const areas = new Set(loadCatalogue().map((s) => s.area));
  for (const area of [
    'start-up',
    'indexing and load',
    'invocation',
    'cancellation',
    'placeholder and specialization',
    'status and warmup',
    'ordering races',
    'shutdown',
    'robustness',
  ])
    assert.ok(areas.has(area), area);
});

test('a malformed scenario is refused with its file and id; setup steps come first', () => {
  const base = {
    id: 'a.b',
    title: 't',
    level: 'required',
    area: 'x',
    checks: 'c',
    source: 's',
    steps: [{ wait: 1 }],
  };
  const bad = (patch: object) => () => parseScenarios([{ name: 'f.json', json: { ...base, ...patch } }]);
  assert.throws(bad({ level: 'nice' }), /f\.json: scenario a\.b: "level" must be one of/);
  assert.throws(bad({ id: 'NoDots' }), /dotted lower-case/);
  assert.throws(bad({ steps: [{ wait: 1, end: 'ok' }] }), /step 1 must have exactly one of/);
  assert.throws(bad({ level: 'capability' }), /names its "capability"/);
  assert.throws(bad({ setup: 'later' }), /"setup" must be one of/);
  assert.throws(
    () => parseScenarios([{ name: 'f.json', json: { scenarios: [base, base] } }]),
    /scenario id a\.b is used twice/,
  );
  const [s] = parseScenarios([{ name: 'f.json', json: { ...base, setup: 'init' } }]);
  assert.deepEqual(
    s!.steps.map((x) => Object.keys(x)[0]),
    ['expect', 'send', 'expect', 'wait'],
  );
});

test('selection: ids, area prefixes, skip and level; an id that names nothing is an error', () => {
  const all = loadCatalogue();
  const ids = (o: Parameters<typeof selectScenarios>[1]) => selectScenarios(all, o).map((s) => s.id);
  assert.deepEqual(ids({ only: ['cancel.'], skip: ['cancel.after'], level: 'all' }), [
    'cancel.before',
    'cancel.during',
    'cancel.unknown',
  ]);
  assert.deepEqual(ids({ only: ['cancel.'], level: 'recommended' }), []);
  assert.ok(ids({ level: 'required' }).every((id) => all.find((s) => s.id === id)!.level === 'required'));
  assert.throws(() => ids({ only: ['nope'], level: 'all' }), /no scenario nope/);
});
