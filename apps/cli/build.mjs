#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/: main.js (the command), one file per command (loaded when that
// command runs), one per provider (loaded when the config names it), the local supervisor (a process of
// its own), and shared chunks, all side by side, with source maps. Start-up then reads a handful of files
// instead of ~300 modules, most of them the DI library. Type checking is `pnpm typecheck` (tsc).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const require = createRequire(import.meta.url);

const commands = Object.fromEntries(
  readdirSync(join(here, 'src', 'commands'))
    .filter((file) => file.endsWith('.ts') && file !== 'shared.ts')
    .map((file) => [`command-${file.slice(0, -3)}`, join(here, 'src', 'commands', file)]),
);
// The supervisor is spawned by path, as a sibling of the module that holds the local executor.
const localDist = dirname(require.resolve('@taskport/local'));

rmSync(dist, { recursive: true, force: true });
const result = await build({
  entryPoints: {
    main: join(here, 'src', 'main.ts'),
    cli: join(here, 'src', 'cli.ts'),
    supervisor: join(localDist, 'supervisor.js'),
    ...commands,
  },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  chunkNames: 'chunk-[hash]',
  // CommonJS dependencies (reflect-metadata, parts of the AWS SDK) call require(); ESM output has none.
  banner: {
    js: "import { createRequire as __taskportCreateRequire } from 'node:module'; const require = __taskportCreateRequire(import.meta.url);",
  },
  // Keep class and function names: error names and stack traces stay readable.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
}).catch(() => {
  // esbuild has printed the errors.
  process.exit(1);
});
// Which packages each output file holds, so the benchmarks can tell from the files a command loaded
// which packages it loaded (e.g. that `list` in local mode loads no cloud SDK).
const packageOf = new Map();
function packageName(input) {
  let dir = dirname(resolve(here, input));
  const start = dir;
  while (!packageOf.has(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      packageOf.set(dir, JSON.parse(readFileSync(manifest, 'utf8')).name ?? dir);
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      packageOf.set(dir, '?');
      break;
    }
    dir = parent;
  }
  const name = packageOf.get(dir);
  packageOf.set(start, name);
  return name;
}
const contents = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue;
  contents[basename(file)] = [...new Set(Object.keys(output.inputs).map(packageName))].sort();
}
writeFileSync(join(dist, 'packages.json'), `${JSON.stringify(contents, null, 2)}\n`);
process.stderr.write(`built ${Object.keys(contents).length} files into ${dist}\n`);
