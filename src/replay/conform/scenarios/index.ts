import cancel from './cancel.json' with { type: 'json' };
import invocation from './invocation.json' with { type: 'json' };
import load from './load.json' with { type: 'json' };
import races from './races.json' with { type: 'json' };
import robustness from './robustness.json' with { type: 'json' };
import shutdown from './shutdown.json' with { type: 'json' };
import specialization from './specialization.json' with { type: 'json' };
import startup from './startup.json' with { type: 'json' };
import status from './status.json' with { type: 'json' };

/**
 * The built-in catalogue's files, in catalogue order (bundled with the code). A new file in
 * this folder is listed here too; a test checks that every .json file is.
 */
export const BUILTIN_SCENARIO_FILES: { name: string; json: unknown }[] = [
  { name: 'startup.json', json: startup },
  { name: 'load.json', json: load },
  { name: 'invocation.json', json: invocation },
  { name: 'cancel.json', json: cancel },
  { name: 'specialization.json', json: specialization },
  { name: 'status.json', json: status },
  { name: 'races.json', json: races },
  { name: 'shutdown.json', json: shutdown },
  { name: 'robustness.json', json: robustness },
];
