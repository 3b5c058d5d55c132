import { test } from 'node:test';
import assert from 'node:assert/strict';
import { triggerBindingName } from './trigger-binding.js';
import { BINDING_DIRECTION } from './messages.js';

const binding = (type: string, direction: number) =>
  ({ type, direction, dataType: 0, properties: {} }) as never;

test('the trigger binding is named by the metadata: bindings, then raw bindings, then req', () => {
  const cases: Array<[string, Parameters<typeof triggerBindingName>[0], string]> = [
    [
      'bindings map (a real Node.js v4 app)',
      {
        bindings: {
          $return: binding('http', BINDING_DIRECTION.out),
          httpTrigger624a: binding('httpTrigger', BINDING_DIRECTION.in),
        },
        rawBindings: [],
      },
      'httpTrigger624a',
    ],
    [
      'an output named like a trigger is not the trigger',
      {
        bindings: {
          out: binding('queueTrigger', BINDING_DIRECTION.out),
          q: binding('QueueTrigger', BINDING_DIRECTION.in),
        },
        rawBindings: [],
      },
      'q',
    ],
    [
      'raw bindings only',
      {
        bindings: {},
        rawBindings: [
          'not json',
          JSON.stringify({ name: '$return', type: 'http', direction: 'out' }),
          JSON.stringify({ name: 'request', type: 'httpTrigger', direction: 'in' }),
        ],
      },
      'request',
    ],
    ['nothing names a trigger', { bindings: {}, rawBindings: [] }, 'req'],
  ];
  for (const [why, metadata, want] of cases) assert.equal(triggerBindingName(metadata), want, why);
});
