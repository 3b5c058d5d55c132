import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFault, parseHostFault, parseWorkerFault } from './fault-spec.js';

test('host specs: each form parses to its data and formats back', () => {
  const rows: Array<[string, object, string]> = [
    [
      'delay:invocation:hello=50ms~10ms',
      { type: 'delay', kind: 'invocationRequest', functionName: 'hello', ms: 50, jitterMs: 10 },
      'delay:invocationRequest:hello=50ms~10ms',
    ],
    [
      'delay:functionLoadRequest=1.5s',
      { type: 'delay', kind: 'functionLoadRequest', ms: 1500, jitterMs: 0 },
      'delay:functionLoadRequest=1500ms',
    ],
    ['reorder', { type: 'reorder' }, 'reorder'],
    ['reorder:early-load', { type: 'early-load' }, 'early-load'],
    ['early-invoke', { type: 'early-invoke' }, 'early-invoke'],
    ['late-reload', { type: 'late-reload' }, 'late-reload'],
    ['cancel:sleep@20ms', { type: 'cancel', functionName: 'sleep', afterMs: 20 }, 'cancel:sleep@20ms'],
    [
      'dup:invocation@50%',
      { type: 'dup', kind: 'invocationRequest', percent: 50 },
      'dup:invocationRequest@50%',
    ],
    [
      'drop:status@100%',
      { type: 'drop', kind: 'workerStatusRequest', percent: 100 },
      'drop:workerStatusRequest@100%',
    ],
    ['stall:200ms/1s', { type: 'stall', ms: 200, everyMs: 1000 }, 'stall:200ms/1000ms'],
    ['break@7', { type: 'break', afterMessages: 7 }, 'break@7'],
  ];
  for (const [spec, data, formatted] of rows) {
    assert.deepEqual(parseHostFault(spec), data, spec);
    assert.equal(formatFault(parseHostFault(spec)), formatted, spec);
  }
});

test('worker specs parse; host and worker specs are not mixed', () => {
  assert.deepEqual(parseWorkerFault('delay-answer:hello=2s'), {
    type: 'delay-answer',
    functionName: 'hello',
    ms: 2000,
  });
  assert.deepEqual(parseWorkerFault('drop-answer:echo@25%'), {
    type: 'drop-answer',
    functionName: 'echo',
    percent: 25,
  });
  assert.deepEqual(parseWorkerFault('crash@3'), { type: 'crash', afterMessages: 3 });
  assert.throws(() => parseWorkerFault('break@3'), /unknown fault/);
  assert.throws(() => parseHostFault('crash@3'), /unknown fault/);
});

test('bad specs: one line naming the spec, what is wrong and the forms', () => {
  const rows: Array<[string, RegExp]> = [
    ['delay:invocation', /delay needs =DUR/],
    ['delay:bogus=5ms', /unknown message kind "bogus"/],
    ['delay:invocation=fast', /DUR must be a duration/],
    ['cancel:@5ms', /needs a function name/],
    ['dup:invocation@0%', /probability/],
    ['drop:invocation@150%', /probability/],
    ['drop:load@10%', /drop takes only/],
    ['stall:1s/500ms', /0 < DUR < EVERY/],
    ['break@0', /N must be a whole number/],
    ['explode', /unknown fault/],
  ];
  for (const [spec, re] of rows) {
    assert.throws(
      () => parseHostFault(spec),
      (err: Error) =>
        re.test(err.message) && err.message.startsWith(`--fault ${spec}:`) && !err.message.includes('\n'),
      spec,
    );
  }
});
