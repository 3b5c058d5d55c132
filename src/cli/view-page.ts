import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadUplotAssets } from '../report/uplot-assets.js';
import { renderViewPage } from '../report/view-html.js';
import { CliError, type CliIo } from './command.js';

/** A fresh access token: 24 random bytes as hex. */
export function newToken(): string {
  return randomBytes(24).toString('hex');
}

/**
 * The page's script, bundled at build time (scripts/bundle.mjs) into dist/bundle/view/.
 * Found from the bundled CLI (dist/bundle/cli/) and from the unbundled one (dist/src/cli/).
 */
function appScript(): string {
  for (const rel of ['../view/app.js', '../../bundle/view/app.js']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new CliError('the viewer page is not built (dist/bundle/view/app.js): run `npm run build`', 1);
}

/** The whole page: one HTML document with every script and style inline (offline). */
export function viewPage(options: { session?: number | undefined; report: boolean }): string {
  return renderViewPage({ script: appScript(), css: loadUplotAssets().css, ...options });
}

/** The command that opens a URL in the system's browser here, when there is one. */
function opener(): string[] | undefined {
  const onPath = (name: string) =>
    (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, name)));
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""'];
  if (onPath('xdg-open') && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY)) return ['xdg-open'];
  return undefined;
}

/** `--open`: start the browser on the URL, or say (one stderr line) that there is none. */
export function openBrowser(url: string, io: Pick<CliIo, 'stderr'>): void {
  const cmd = opener();
  if (!cmd) {
    io.stderr.write(
      'functape view: no browser to open here (no display or no xdg-open); open the URL above\n',
    );
    return;
  }
  const child = spawn(cmd[0]!, [...cmd.slice(1), url], { stdio: 'ignore', detached: true });
  child.on('error', (err) => io.stderr.write(`functape view: could not start ${cmd[0]}: ${err.message}\n`));
  child.unref();
}
