// Bundles the compiled CLI (dist/src/) into dist/bundle/cli/, the files bin/functape runs.
// Run after `tsc` (`npm run build` does both). Why: Node spends most of functape's
// start-up resolving, reading and compiling ~100 small ES modules; one file per entry
// point (plus lazily loaded chunks for what only some commands need) starts in a
// fraction of that time. Tests of the library still run from the unbundled dist/.
//
// Layout contract (paths the code resolves relative to its own file at run time):
// - dist/bundle/cli/ is as deep as dist/src/cli/, so demo's `../../../bin/functape`
//   still reaches bin/;
// - the worker threads' entries sit beside the CLI chunks, so capture-store's
//   `new URL('./writer-thread.js', import.meta.url)` and parallel-export's
//   `./export-thread.js` find them;
// - yargs resolves its message catalogues as `../../../locales` from its own file, i.e.
//   dist/locales from here, so they are copied there.
// better-sqlite3 (a native addon found through node_modules) stays external, and so do pg and
// pg-copy-streams (CommonJS with an optional native part, loaded only by the fleet commands).
import { build } from 'esbuild';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bundle', 'cli');
const entry = (p) => join(dist, 'src', p);
if (!existsSync(entry('cli/main.js'))) {
  console.error('bundle: dist/src/cli/main.js is missing; run `tsc -p .` first');
  process.exit(1);
}

/** CommonJS dependencies (grpc-js) call require(): give ESM output one. */
const banner = {
  js: "import { createRequire as __functapeRequire } from 'node:module'; const require = __functapeRequire(import.meta.url);",
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'pg-copy-streams'],
  banner,
  logLevel: 'warning',
  legalComments: 'none',
};

/**
 * Every `import ... from 'string-width'` (yargs, cliui, wrap-ansi each have one) gets a
 * front that answers from knownWidth (dist/src/cli/known-width.js) and loads the real
 * module, the same copy the importer would have used, only for other strings: esbuild
 * turns that require() of an ES module into a lazy initialiser, so its grapheme
 * segmenter and emoji regexes are not even built when --help needs none of them.
 */
const knownWidthFront = {
  name: 'known-width-front',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) =>
      args.namespace === 'known-width-front'
        ? undefined
        : { path: args.resolveDir, namespace: 'known-width-front' },
    );
    b.onLoad({ filter: /.*/, namespace: 'known-width-front' }, (args) => ({
      resolveDir: args.path,
      loader: 'js',
      contents: [
        `import { knownWidth } from ${JSON.stringify(entry('cli/known-width.js'))};`,
        'let real;',
        'export default function stringWidth(text, options) {',
        '  const width = knownWidth(text, options?.ambiguousIsNarrow ?? true);',
        '  if (width !== undefined) return width;',
        "  real ??= require('string-width').default;",
        '  return real(text, options);',
        '}',
      ].join('\n'),
    }));
  },
};

rmSync(join(dist, 'bundle'), { recursive: true, force: true });
await Promise.all([
  // The CLI: one entry chunk with yargs and every command's options; what a command needs
  // only when it runs (its dynamic imports) becomes a chunk loaded then.
  build({
    ...common,
    entryPoints: { main: entry('cli/main.js') },
    outdir: out,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    plugins: [knownWidthFront],
  }),
  // Each worker thread's entry: one self-contained file, so a new isolate reads one module.
  build({ ...common, entryPoints: { 'writer-thread': entry('recording/writer-thread.js') }, outdir: out }),
  build({ ...common, entryPoints: { 'export-thread': entry('recording/export-thread.js') }, outdir: out }),
  // The viewer's page script (`functape view` inlines it into its one HTML page): built from
  // the TypeScript sources (tsc leaves src/report/view-page/ out; it only type-checks it).
  build({
    entryPoints: { app: join(root, 'src', 'report', 'view-page', 'main.ts') },
    outdir: join(dist, 'bundle', 'view'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  }),
]);

const require = createRequire(import.meta.url);
const yargsLocales = join(dirname(require.resolve('yargs/package.json')), 'locales');
cpSync(yargsLocales, join(dist, 'locales'), { recursive: true });
