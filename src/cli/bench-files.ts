import type { BenchReport } from '../report/bench-report.js';
import type { CliIo } from './command.js';

/**
 * A bench report's `--json` (a file, or - for stdout) and `--html` files, for `bench` and
 * `bench merge` alike (written under the private-file rule).
 */
export async function writeBenchFiles(
  report: BenchReport,
  files: { json?: string | undefined; html?: string | undefined },
  command: string,
  io: CliIo,
): Promise<void> {
  const { writePrivateFile } = await import('./private-file.js');
  if (files.json !== undefined) {
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (files.json === '-') io.stdout.write(text);
    else writePrivateFile(files.json, text, command, io);
  }
  if (files.html !== undefined) {
    const [{ renderBenchHtml }, { loadUplotAssets }] = await Promise.all([
      import('../report/bench-html.js'),
      import('../report/uplot-assets.js'),
    ]);
    writePrivateFile(files.html, renderBenchHtml(report, loadUplotAssets()), command, io);
  }
}
