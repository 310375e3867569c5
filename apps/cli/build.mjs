#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/: main.js (the command), one file per command (loaded when that
// command runs), one per provider (loaded when the config names it), the local supervisor (a process of
// its own), and shared chunks, all side by side, with source maps. Start-up then reads a handful of files
// instead of ~300 modules, most of them the DI library. Type checking is `pnpm typecheck` (tsc).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
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

/**
 * Node's built-in modules are taken with `process.getBuiltinModule()` instead of an ESM `import`. An
 * `import` of a built-in makes Node build an ESM facade of it, which reads every export once, and reading
 * them runs the lazy getters: `import { readFileSync } from 'node:fs'` loads fs streams, fs/promises and
 * readline (34 internal modules), `import ... from 'node:crypto'` initialises Web Crypto's algorithm
 * tables. esbuild keeps built-ins external (marked free of side effects, so an import whose names all
 * went unused is dropped rather than loading the module anyway); `withoutBuiltinImports` below then
 * turns each remaining `import ... from "node:x"` of an output file into a `const` taken from
 * `process.getBuiltinModule("node:x")`, line for line, so the source maps still match.
 */
const builtinsExternal = {
  name: 'builtins-external',
  setup(build) {
    build.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // Importing a built-in has no effect a caller relies on.
      const path = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      return { path, external: true, sideEffects: false };
    });
  },
};

/** `a, b as c` (an import clause's names) as a destructuring pattern: `a, b: c`. */
function pattern(names, statement) {
  return names.replace(/([\w$]+)\s+as\s+([\w$]+)/g, (_, name, local) => {
    if (name === 'default') throw new Error(`build.mjs cannot rewrite ${statement}`);
    return `${name}: ${local}`;
  });
}

/** An output file with its static imports of built-ins rewritten (see `builtinsExternal`). */
function withoutBuiltinImports(code) {
  return code.replace(/^import\s+([^;"]*?)\s*from\s*"(node:[^"]+)";/gms, (statement, clause, name) => {
    const module = `process.getBuiltinModule(${JSON.stringify(name)})`;
    const named = /^\{([^}]*)\}$/s.exec(clause);
    if (named) return `const {${pattern(named[1], statement)}} = ${module};`;
    const namespace = /^\*\s*as\s+([\w$]+)$/.exec(clause);
    if (namespace) return `const ${namespace[1]} = ${module};`;
    const fallback = /^([\w$]+)(?:\s*,\s*\{([^}]*)\})?$/s.exec(clause);
    if (!fallback) throw new Error(`build.mjs cannot rewrite ${statement}`);
    const [, local, rest] = fallback;
    return rest === undefined
      ? `const ${local} = ${module};`
      : `const ${local} = ${module}, {${pattern(rest, statement)}} = ${local};`;
  });
}

/**
 * CommonJS dependencies (reflect-metadata, parts of the AWS SDK) call require(), which ESM output has
 * not; a file that names `require` at all gets one from createRequire. Only those files: createRequire
 * costs a few ms (about 2 ms of CPU on this machine kind), and most files (main.js, which answers
 * --version, among them) never call it. A file that merely mentions the word gets it too, which is
 * harmless.
 */
const REQUIRE_BANNER =
  "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);\n";

/** The code with REQUIRE_BANNER when it needs one, and at which line the banner went (else -1). */
function withRequireIfUsed(code) {
  if (!/(?<![\w$])require(?![\w$])/.test(code)) return { code, bannerLine: -1 };
  // After the shebang (main.js has one), which must stay the first line.
  const shebang = code.startsWith('#!') ? code.slice(0, code.indexOf('\n') + 1) : '';
  return {
    code: shebang + REQUIRE_BANNER + code.slice(shebang.length),
    bannerLine: shebang ? 1 : 0,
  };
}

/** A source map with an empty line inserted at `line` (of the generated file), so it matches again. */
function withLineInserted(mapText, line) {
  const map = JSON.parse(mapText);
  const lines = map.mappings.split(';');
  lines.splice(line, 0, '');
  map.mappings = lines.join(';');
  return JSON.stringify(map);
}

const shared = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  // Keep class and function names: error names and stack traces stay readable.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [builtinsExternal],
  // Written below, once the imports of built-ins are rewritten.
  write: false,
};

rmSync(dist, { recursive: true, force: true });
const [result, supervisor] = await Promise.all([
  build({
    ...shared,
    entryPoints: {
      main: join(here, 'src', 'main.ts'),
      cli: join(here, 'src', 'cli.ts'),
      ...commands,
    },
    outdir: dist,
    splitting: true,
    chunkNames: 'chunk-[hash]',
  }),
  // The supervisor is a process of its own, started for every local task: a small file that turns on the
  // compile cache (src/supervisor.ts) and the supervisor proper, self-contained, so it reads nothing but
  // what it uses (no chunk shared with the CLI, which would drag in what the CLI needs beside it).
  build({
    ...shared,
    entryPoints: {
      supervisor: join(here, 'src', 'supervisor.ts'),
      'supervisor-main': join(localDist, 'supervisor.js'),
    },
    outdir: dist,
    splitting: false,
  }),
]).catch(() => {
  // esbuild has printed the errors.
  process.exit(1);
});
const outputs = new Map(
  [...result.outputFiles, ...supervisor.outputFiles].map((file) => [file.path, file.text]),
);
for (const [path, text] of outputs) {
  if (!path.endsWith('.js')) continue;
  const { code, bannerLine } = withRequireIfUsed(withoutBuiltinImports(text));
  if (/^import\b[^;]*"node:/m.test(code)) throw new Error(`${path} still imports a built-in`);
  outputs.set(path, code);
  const map = `${path}.map`;
  if (bannerLine !== -1 && outputs.has(map)) outputs.set(map, withLineInserted(outputs.get(map), bannerLine));
}
for (const [path, text] of outputs) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

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
for (const [file, output] of Object.entries({ ...result.metafile.outputs, ...supervisor.metafile.outputs })) {
  if (!file.endsWith('.js')) continue;
  contents[basename(file)] = [...new Set(Object.keys(output.inputs).map(packageName))].sort();
}
writeFileSync(join(dist, 'packages.json'), `${JSON.stringify(contents, null, 2)}\n`);
process.stderr.write(`built ${Object.keys(contents).length} files into ${dist}\n`);
