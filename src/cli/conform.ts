import type { ArgsOf } from './command.js';
import { CliError, defineCommand, usageError } from './command.js';

const LEVEL_CHOICES = ['required', 'recommended', 'all'] as const;

function builder(y: import('yargs').Argv) {
  return y
    .option('worker', {
      type: 'string',
      describe: 'the worker command line (shell-split; host arguments are appended)',
    })
    .option('app-dir', {
      type: 'string',
      describe: "the function app directory: the worker's cwd (default: current directory)",
    })
    .option('only', {
      type: 'string',
      array: true,
      describe: 'run only these scenario ids (comma-separated; `area.` for a prefix)',
    })
    .option('skip', {
      type: 'string',
      array: true,
      describe: 'leave out these scenario ids (comma-separated; `area.` for a prefix)',
    })
    .option('level', {
      choices: LEVEL_CHOICES,
      default: 'all' as const,
      describe: 'required only, required and recommended, or all (capability scenarios too)',
    })
    .option('json', {
      type: 'string',
      describe: "write the whole report as JSON to FILE (failures with the run's messages)",
    })
    .option('junit', { type: 'string', describe: 'write JUnit XML to FILE: one test case per scenario' })
    .option('list', { type: 'boolean', default: false, describe: 'print the catalogue and exit' })
    .option('markdown', {
      type: 'boolean',
      default: false,
      describe: 'with --list: the catalogue as a Markdown table',
    })
    .option('function', {
      type: 'string',
      describe: 'invoke this function (default: the first the worker indexes)',
    })
    .option('from', {
      type: 'string',
      describe: 'with --function: take its load metadata and a sample input from this recording',
    })
    .option('record-failures', {
      type: 'string',
      describe: 'write each failing scenario as a recording DIR/ID.db (for replay host, minimize)',
    })
    .option('scenarios', { type: 'string', describe: 'also run the scenario files (*.json) of this folder' })
    .option('jobs', {
      alias: 'j',
      type: 'string',
      describe: 'scenarios at once, each on its own worker (default: the number of cores)',
    });
}
type ConformArgs = ArgsOf<typeof builder>;

const listOf = (v: string[] | undefined) =>
  (v ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);

/** `--scenarios DIR`: its *.json files, parsed (a file that is not JSON is a one-line error). */
async function extraScenarioFiles(dir: string | undefined): Promise<{ name: string; json: unknown }[]> {
  if (!dir) return [];
  const { readdirSync, readFileSync } = await import('node:fs');
  const files = usageError(() => readdirSync(dir), '--scenarios')
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((f) => {
    const name = `${dir}/${f}`;
    try {
      return { name, json: JSON.parse(readFileSync(name, 'utf8')) as unknown };
    } catch (err) {
      throw new CliError(`--scenarios: ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

export const conformCommand = defineCommand({
  command: 'conform',
  describe:
    'Conformance suite for a language worker: play the host, run each scenario of the catalogue on a fresh ' +
    'worker process, print a table (exit 0 every required scenario passed, 1 one failed, 3 the worker cannot start)',
  builder,
  run: async (args, io) => {
    const [{ loadCatalogue, selectScenarios, scenarioInfo }, text] = await Promise.all([
      import('../replay/conform/index.js'),
      import('../report/conform-text.js'),
    ]);
    const extra = await extraScenarioFiles(args.scenarios);
    const catalogue = usageError(() => loadCatalogue(extra), '--scenarios');
    const selected = usageError(
      () =>
        selectScenarios(catalogue, { only: listOf(args.only), skip: listOf(args.skip), level: args.level }),
      '--only/--skip',
    );
    if (args.list) {
      const infos = selected.map(scenarioInfo);
      io.stdout.write(args.markdown ? text.formatCatalogueMarkdown(infos) : text.formatCatalogueList(infos));
      return 0;
    }
    if (args.markdown) throw new CliError('--markdown goes with --list');
    if (!args.worker) throw new CliError('--worker is required (or --list)');
    if (args.from && !args.function) throw new CliError('--from needs --function NAME');
    if (selected.length === 0) throw new CliError('no scenario selected');
    const { runConform } = await import('./conform-suite.js');
    return runConform(args, selected, io);
  },
});

export type { ConformArgs };
