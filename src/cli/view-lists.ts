import type { IndexRow } from '../model/index-row.js';
import type { ViewReader } from '../recording/view-reader.js';
import type { ViewFilter } from '../report/view-data.js';
import { listMatcher } from '../report/view-message.js';

/** Rows read per query while scanning a session (the scan's memory bound). */
const SCAN = 20_000;

/**
 * The seqs of a session's messages that pass a filter, for the page's message list: one
 * scan of the session (two with a status filter: answers first, to know each invocation's
 * status), kept for the last filter asked (and until the session grows), 4 bytes a match.
 */
export function createListCache(reader: ViewReader): {
  matching(
    id: number,
    filter: ViewFilter,
    names: ReadonlyMap<string, string>,
  ): { seqs: Int32Array; length: number };
} {
  let list: { key: string; seqs: Int32Array; length: number } | undefined;

  function scan(id: number, logs: boolean, each: (row: IndexRow) => void): void {
    for (let from = 0; ; ) {
      const rows = reader.rows(id, from, Number.MAX_SAFE_INTEGER, SCAN, logs);
      for (const r of rows) each(r);
      if (rows.length < SCAN) return;
      from = rows[rows.length - 1]!.seq + 1;
    }
  }

  return {
    matching(id, filter, names) {
      const key = `${id} ${reader.recording.lastSeq(id)} ${JSON.stringify(filter)}`;
      if (list?.key === key) return list;
      const statuses = new Map<string, number>();
      if (filter.status)
        scan(id, false, (r) => {
          if (r.kind === 'invocationResponse' && r.invocationId) statuses.set(r.invocationId, r.status ?? 0);
        });
      const match = listMatcher(filter, names, (inv) => statuses.get(inv));
      let seqs = new Int32Array(1024);
      let length = 0;
      scan(id, filter.text !== undefined, (r) => {
        if (!match(r)) return;
        if (length === seqs.length) {
          const bigger = new Int32Array(seqs.length * 2);
          bigger.set(seqs);
          seqs = bigger;
        }
        seqs[length++] = r.seq;
      });
      list = { key, seqs, length };
      return list;
    },
  };
}
