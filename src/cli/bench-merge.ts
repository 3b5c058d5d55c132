import { readFileSync } from 'node:fs';
import type { BenchReport } from '../report/bench-report.js';
import { CliError, defineCommand } from './command.js';

export const benchMergeCommand = defineCommand({
  command: 'merge <reports..>',
  describe:
    'Add the --json reports of bench runs made at the same time on several machines into one: counts summed, ' +
    'percentiles from the summed HDR histograms, timelines aligned by wall time, each machine listed',
  builder: (y) =>
    y
      .positional('reports', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'bench --json reports',
      })
      .option('json', {
        type: 'string',
        nargs: 1,
        describe: 'write the merged report as JSON to this file (- for stdout)',
      })
      .option('html', {
        type: 'string',
        describe: 'write the merged report as self-contained HTML (charts) to this file',
      }),
  run: async (args, io) => {
    const [
      { mergeBenchReports },
      { isBenchReport },
      { renderBenchText },
      { writeBenchFiles },
      { FUNCTAPE_VERSION },
    ] = await Promise.all([
      import('../report/bench-merge.js'),
      import('../report/bench-report.js'),
      import('../report/bench-text.js'),
      import('./bench-files.js'),
      import('../version.js'),
    ]);
    const inputs = args.reports.map((file) => {
      const report = readJson(file);
      if (!isBenchReport(report)) throw new CliError(`${file}: not a functape bench report`);
      return { file, report: report as BenchReport };
    });
    const merged = mergeBenchReports(inputs, FUNCTAPE_VERSION);
    if (!merged.ok) throw new CliError(`bench merge: ${merged.error}`);
    (args.json === '-' ? io.stderr : io.stdout).write(renderBenchText(merged.report));
    await writeBenchFiles(merged.report, args, 'bench merge', io);
    return 0;
  },
});

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file}: not JSON`);
  }
}
