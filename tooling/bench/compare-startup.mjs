#!/usr/bin/env node
// Start-up of two or more builds of the CLI, side by side in one run: `taskport list` over the same data
// directory with 1,000 recorded executions, `taskport --version` and `taskport run -- true` (in a data
// directory of its own, so its executions do not change what `list` shows), interleaved run by run with
// `node -e 0` as the baseline. Used to compare a change against the commit before it:
//
//   git worktree add /tmp/before <commit> && (cd /tmp/before && pnpm install && pnpm exec turbo run build --filter @taskport/cli...)
//   node tooling/bench/compare-startup.mjs before=/tmp/before/apps/cli/dist/main.js after=apps/cli/dist/main.js
//
// `--runs=N` sets the number of interleaved runs (default 31). Prints a markdown table of medians and ratios to `node -e 0`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const runsFlag = process.argv.find((arg) => arg.startsWith('--runs='));
const RUNS = runsFlag ? Number(runsFlag.slice('--runs='.length)) : 31;
const builds = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
  .map((arg) => {
    const [label, path] = arg.split('=');
    if (!label || !path) throw new Error(`expected label=path/to/main.js, got ${arg}`);
    return { label, main: resolve(path) };
  });
if (builds.length === 0) throw new Error('name at least one build: label=path/to/main.js');

// Each build gets its own data directory with 1,000 finished executions, written by that build's own
// local store (schemas differ between versions).
async function seededDataDir(main) {
  const dir = mkdtempSync(join(tmpdir(), 'taskport-startup-'));
  const local = pathToFileURL(resolve(main, '../../../../packages/providers/local/dist/index.js')).href;
  const { LocalExecutionStore } = await import(local);
  const store = new LocalExecutionStore({ dataDir: dir });
  const base = Date.now() - 1_000_000;
  for (let i = 0; i < 1000; i++) {
    await store.create({
      executionId: `seed-${String(i).padStart(4, '0')}`,
      status: 'SUCCEEDED',
      command: ['true'],
      imageId: 'host',
      image: 'host',
      createdBy: 'bench@taskport.test',
      executor: 'local',
      createdAt: new Date(base + i * 1000).toISOString(),
      exitCode: 0,
      requestId: `req-seed-${i}`,
      labels: {},
      envKeys: [],
      env: {},
    });
  }
  store.close?.();
  return dir;
}
for (const build of builds) {
  build.dataDir = await seededDataDir(build.main);
  build.runDir = mkdtempSync(join(tmpdir(), 'taskport-run-'));
}
const envOf = (dataDir) => ({
  PATH: process.env.PATH,
  HOME: dataDir,
  TASKPORT_DATA_DIR: dataDir,
  NO_COLOR: '1',
});

function time(args, dataDir = builds[0].dataDir) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    env: envOf(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const cases = [{ label: 'node -e 0', args: ['-e', '0'], dataDir: builds[0].dataDir }];
for (const build of builds) {
  cases.push({
    label: `${build.label}: taskport --version`,
    args: [build.main, '--version'],
    dataDir: build.dataDir,
  });
  cases.push({ label: `${build.label}: taskport list`, args: [build.main, 'list'], dataDir: build.dataDir });
  cases.push({
    label: `${build.label}: taskport run -- true`,
    args: [build.main, 'run', '--', 'true'],
    dataDir: build.runDir,
  });
}
const samples = new Map(cases.map((c) => [c.label, []]));
for (const c of cases) time(c.args, c.dataDir); // warm the file cache
for (let run = 0; run < RUNS; run++)
  for (const c of cases) samples.get(c.label).push(time(c.args, c.dataDir));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const baseline = median(samples.get('node -e 0'));
console.log(
  `${RUNS} interleaved runs each, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`,
);
console.log('| command | median | vs `node -e 0` |\n|---|---|---|');
for (const c of cases) {
  const m = median(samples.get(c.label));
  console.log(`| ${c.label} | ${m.toFixed(1)} ms | x${(m / baseline).toFixed(2)} |`);
}
for (const build of builds) {
  rmSync(build.dataDir, { recursive: true, force: true });
  rmSync(build.runDir, { recursive: true, force: true });
}
