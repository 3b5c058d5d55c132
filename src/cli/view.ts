import type { Argv } from 'yargs';
import { CliError, defineCommand } from './command.js';
import { sessionFlag } from './flag-values.js';
import { allowRemoteFlag, listenAddress } from './listen-address.js';
import { requireDb } from './sessions.js';

/** view's flags, declared once. */
function viewFlags(y: Argv) {
  return allowRemoteFlag(
    y
      .option('db', { type: 'string', demandOption: true, describe: 'the recording (SQLite file)' })
      .option('session', { type: 'string', describe: 'open this session (default: the sessions table)' })
      .option('listen', {
        type: 'string',
        default: '127.0.0.1:0',
        describe: 'HOST:PORT to serve the page on (port 0: any free port)',
      })
      .option('open', {
        type: 'boolean',
        default: false,
        describe: "open the page in the system's browser (when there is one)",
      })
      .option('report', {
        type: 'string',
        describe: 'also show a replay report (replay --report FILE.json) or a bench report (bench --json)',
      }),
  );
}

export const viewCommand = defineCommand({
  command: 'view',
  describe:
    'Look at a recording in the browser: sessions, an invocation timeline, every message decoded and as bytes, ' +
    'live while it is recorded; prints the URL (with its access token) and serves until Ctrl-C',
  builder: viewFlags,
  run: async (args, io) => {
    const db = requireDb(args.db);
    const session = sessionFlag(args.session);
    const listen = listenAddress(args.listen, args['allow-remote'], 'view', io);
    const [
      { openViewReader },
      { createViewModel },
      { viewRoutes },
      { startViewHttp },
      page,
      { loadViewReport },
    ] = await Promise.all([
      import('../recording/view-reader.js'),
      import('./view-model.js'),
      import('./view-routes.js'),
      import('../wire/view-http.js'),
      import('./view-page.js'),
      import('./view-report.js'),
    ]);
    const reader = openViewReader(db);
    try {
      if (session !== undefined && !reader.recording.session(session))
        throw new CliError(`no session ${session} in ${db}`);
      const report = args.report === undefined ? undefined : await loadViewReport(args.report, reader);
      const model = createViewModel(reader);
      const html = page.viewPage({ session, report: report !== undefined });
      const server = await startViewHttp({
        listen,
        token: page.newToken(),
        anyHost: args['allow-remote'],
        handle: viewRoutes(model, { page: html, pollMs: 250, ...(report && { report }) }),
        onError: (err) =>
          io.stderr.write(`functape view: ${err instanceof Error ? err.message : String(err)}\n`),
      });
      io.stdout.write(`${server.url}\n`);
      if (args.open) page.openBrowser(server.url, io);
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
      return 0;
    } finally {
      reader.close();
    }
  },
});
