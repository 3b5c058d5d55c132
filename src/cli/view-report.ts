import { readFileSync } from 'node:fs';
import type { ViewReader } from '../recording/view-reader.js';
import { CliError } from './command.js';
import { bytesToJson } from '../codec/streaming-message.js';
import { messageFrame } from '../codec/compression.js';

/** Differing outcomes whose recorded message the page is sent (the rest are listed without it). */
const MAX_RECORDED = 500;

/**
 * Read `--report FILE.json` for the page: a bench report (`format: functape-bench`) is
 * served with its own HTML page (its charts); a replay report with, for each differing
 * answer, the recorded message's proto3 JSON from the recording (when the report's
 * session is in it), so the page can show recorded and live side by side. Anything else
 * is a CliError (exit 2).
 */
export async function loadViewReport(
  file: string,
  reader: ViewReader,
): Promise<{ json: string; benchHtml?: string }> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(
      `--report ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  }
  if (doc?.format === 'functape-bench') {
    const [{ renderBenchHtml }, { loadUplotAssets }] = await Promise.all([
      import('../report/bench-html.js'),
      import('../report/uplot-assets.js'),
    ]);
    type Bench = Parameters<typeof renderBenchHtml>[0];
    return {
      json: JSON.stringify({ kind: 'bench' }),
      benchHtml: renderBenchHtml(doc as unknown as Bench, loadUplotAssets()),
    };
  }
  if (!Array.isArray(doc?.outcomes) || typeof doc.played !== 'string')
    throw new CliError(`--report ${file} is neither a replay report (--report of replay) nor a bench report`);
  const session = (doc.session as { id?: number } | undefined)?.id;
  const recorded: Record<number, unknown> = {};
  const known = session !== undefined && reader.recording.session(session) !== undefined;
  let left = MAX_RECORDED;
  for (const o of doc.outcomes as { status?: string; recordedSeq?: number }[]) {
    if (!known || left <= 0 || o.status !== 'differed' || o.recordedSeq === undefined) continue;
    const f = reader.frame(session, o.recordedSeq);
    if (!f) continue;
    recorded[o.recordedSeq] = bytesToJson(messageFrame(f).bytes).json;
    left -= 1;
  }
  return { json: JSON.stringify({ kind: 'replay', report: doc, recorded }) };
}
