#!/usr/bin/env node
// What one `taskport run --detach` costs on AWS, against moto on loopback (started here):
//  1. AWS calls per CLI start, counted on the wire by a proxy between the CLI process and moto, for an image
//     by id, by name, the default image, with an idempotency key, with history on DynamoDB.
//  2. Wall time of `taskport run --detach --image <id>` (local history) beside a minimal Node script that
//     sends one RunTask with @aws-sdk/client-ecs (packages/providers/aws/bench/minimal-run-task.mjs), the
//     two interleaved in one run; the ratio of the medians is the figure (target <= 1.3).
//
//   pnpm --filter @taskport/cli bench:aws                 # print the figures (JSON in bench-results/cli-aws.json)
//   pnpm --filter @taskport/cli bench:aws --write-docs    # also rewrite "## CLI start on AWS" in docs/benchmarks.md
//
// Node strips the types of the shared TypeScript helper (Node >= 22.18 / 24).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsImageRegistry, ensureAwsResources, parseAwsOptions } from '@taskport/aws';
import { CountingProxy, defaultNetwork, MOTO_ENV, MOTO_REGION, startMoto } from '../test/helpers/aws-moto.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, '..', '..', '..');
const MAIN = join(here, '..', 'dist', 'main.js');
const MINIMAL = join(REPO, 'packages', 'providers', 'aws', 'bench', 'minimal-run-task.mjs');
const PROBE = join(here, 'probe.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const WRITE_DOCS = process.argv.includes('--write-docs');

const say = (text) => process.stderr.write(`${text}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(1)} ms`;

const scratch = mkdtempSync(join(tmpdir(), 'taskport-bench-aws-'));
const baseEnv = { ...process.env, ...MOTO_ENV, HOME: scratch, TASKPORT_USER: 'bench@example.com' };
for (const key of ['TASKPORT_CONFIG', 'NODE_OPTIONS', 'XDG_STATE_HOME']) delete baseEnv[key];

let probes = 0;
/** Runs `node [--import probe] <argv>`; the probe reports the process's own CPU time (user + sys). */
function exec(argv, env, { probe = false } = {}) {
  const out = join(scratch, `probe-${probes++}.json`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, probe ? ['--import', PROBE, ...argv] : argv, {
      cwd: scratch,
      env: probe ? { ...env, TASKPORT_PROBE_OUT: out } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - started;
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}\n${stderr}`));
      else
        resolve({ ms: wall, stdout, cpuMs: probe ? JSON.parse(readFileSync(out, 'utf8')).cpuMs : undefined });
    });
  });
}

const moto = await startMoto();
const proxy = new CountingProxy();
try {
  const proxyEndpoint = await proxy.start(moto.endpoint);
  const { subnet, securityGroup } = await defaultNetwork(moto.endpoint);
  const section = {
    region: MOTO_REGION,
    cluster: 'bench-cli',
    subnets: [subnet],
    securityGroups: [securityGroup],
    defaultExecutionRoleArn: 'arn:aws:iam::123456789012:role/taskport-execution',
    imagesTable: 'bench-cli-images',
    executionsTable: 'bench-cli-executions',
    logGroup: '/bench-cli/tasks',
    backendLogGroups: ['/bench-cli/backend'],
  };
  const options = parseAwsOptions({
    ...section,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await ensureAwsResources(options);
  const registry = new AwsImageRegistry(options);
  const image = await registry.registerImage({
    image: 'alpine:3.20',
    registeredBy: 'bench',
    isDefault: true,
  });
  await registry.registerImage({ image: 'busybox:1.36', registeredBy: 'bench' });

  const config = (name, endpoint, ports = {}) => {
    const file = join(scratch, `${name}.yaml`);
    const providers = { taskExecutor: 'aws', imageRegistry: 'aws', ...ports };
    writeFileSync(file, `${JSON.stringify({ providers, aws: { ...section, endpoint } }, null, 2)}\n`);
    return file;
  };
  const counted = {
    local: config('counted-local', proxyEndpoint),
    dynamodb: config('counted-ddb', proxyEndpoint, { executionStore: 'aws' }),
  };
  const cli = (file, args, dataDir, probe = false) =>
    exec(
      [MAIN, '--config', file, 'run', '--detach', ...args, '--', 'true'],
      { ...baseEnv, TASKPORT_DATA_DIR: join(scratch, dataDir) },
      { probe },
    );

  // 1. Calls per start.
  const scenarios = [
    ['image by id', counted.local, ['--image', image.imageId]],
    ['image by name', counted.local, ['--image', 'busybox:1.36']],
    ['default image', counted.local, []],
    [
      'image by id, new idempotency key',
      counted.local,
      ['--image', image.imageId, '--idempotency-key', 'bench-key-1'],
    ],
    ['image by id, history on DynamoDB', counted.dynamodb, ['--image', image.imageId]],
    [
      'image by id, new idempotency key, history on DynamoDB',
      counted.dynamodb,
      ['--image', image.imageId, '--idempotency-key', 'bench-key-2'],
    ],
  ];
  const calls = [];
  for (const [name, file, args] of scenarios) {
    proxy.reset();
    await cli(file, args, 'counted');
    calls.push({ scenario: name, count: proxy.calls.length, calls: [...proxy.calls] });
    say(`  ${name}: ${proxy.calls.length} (${proxy.calls.join(', ')})`);
  }

  // 2. Wall time, interleaved, straight to moto.
  const direct = config('direct', moto.endpoint);
  const minimalEnv = {
    ...baseEnv,
    BENCH_ENDPOINT: moto.endpoint,
    BENCH_CLUSTER: section.cluster,
    BENCH_TASK_DEFINITION: image.providerRef,
    BENCH_SUBNET: subnet,
    BENCH_SECURITY_GROUP: securityGroup,
  };
  const times = { cli: [], minimal: [] };
  const cpu = { cli: [], minimal: [] };
  // One warm-up each, so the first run's file-system cache misses are not counted.
  await cli(direct, ['--image', image.imageId], 'timed');
  await exec([MINIMAL], minimalEnv);
  for (let i = 0; i < RUNS; i++) {
    const minimal = await exec([MINIMAL], minimalEnv, { probe: true });
    times.minimal.push(minimal.ms);
    cpu.minimal.push(minimal.cpuMs);
    const run = await cli(direct, ['--image', image.imageId], 'timed', true);
    times.cli.push(run.ms);
    cpu.cli.push(run.cpuMs);
  }
  const ratio = median(times.cli) / median(times.minimal);
  const cpuRatio = median(cpu.cli) / median(cpu.minimal);

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load: loadavg()[0].toFixed(2),
  };
  const result = {
    date: new Date().toISOString(),
    machine,
    calls,
    wall: {
      runs: RUNS,
      cliMedianMs: Number(median(times.cli).toFixed(1)),
      minimalMedianMs: Number(median(times.minimal).toFixed(1)),
      ratio: Number(ratio.toFixed(2)),
      cliCpuMedianMs: Number(median(cpu.cli).toFixed(1)),
      minimalCpuMedianMs: Number(median(cpu.minimal).toFixed(1)),
      cpuRatio: Number(cpuRatio.toFixed(2)),
      cli: times.cli.map((t) => Number(t.toFixed(1))),
      minimal: times.minimal.map((t) => Number(t.toFixed(1))),
    },
  };
  mkdirSync(join(REPO, 'bench-results'), { recursive: true });
  writeFileSync(join(REPO, 'bench-results', 'cli-aws.json'), `${JSON.stringify(result, null, 2)}\n`);

  const rows = calls
    .map(
      ({ scenario, count, calls: list }) =>
        `| ${scenario} | **${count}** | ${list.map((c) => `\`${c}\``).join(', ')} |`,
    )
    .join('\n');
  const doc = `## CLI start on AWS

One \`taskport run --detach … -- true\` per process (nothing cached from an earlier start), executor and image
registry on AWS, against moto 5.2.5 on loopback (started by the bench). Measured ${result.date.slice(0, 16).replace('T', ' ')} UTC on
${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}; 1-minute load average
${machine.load} at the end (the machine is shared with other builds and tests). Command, after the build:

\`\`\`sh
pnpm --filter @taskport/cli bench:aws              # add --write-docs to rewrite this section
\`\`\`

(\`apps/cli/bench/aws-start.mjs\`; JSON in \`bench-results/cli-aws.json\`.) Calls are counted on the wire by a proxy
between the CLI process and moto (every request, retries included; there were none). The in-process figure above
(one \`RunTask\` per warm \`startTask\`) is the same path inside one long-lived process.

| CLI start | AWS calls | calls, in order |
|---|---|---|
${rows}

Targets: \`RunTask\` plus at most one read to resolve the image, plus the record write when history is on DynamoDB —
${calls.slice(0, 3).every((c) => c.count === 2) ? 'met' : 'missed'}. With an idempotency key the key lookup runs concurrently with the image lookup
(the order of those two in the table is whichever reached moto first); the DynamoDB store's own
key lookup and claim write (per-user idempotency, ADR 024) account for the rest of the last row. Before this change a start by id made 4 calls
(\`GetItem\` twice, \`DescribeTaskDefinition\`, \`RunTask\`) and one by name 6.

Wall time (${RUNS} runs each, interleaved, straight to moto; the CLI with local history):

| command | median wall | median CPU (user+sys) |
|---|---|---|
| minimal Node script, one \`RunTask\` (\`packages/providers/aws/bench/minimal-run-task.mjs\`) | ${ms(result.wall.minimalMedianMs)} | ${ms(result.wall.minimalCpuMedianMs)} |
| \`taskport run --detach --image <id> -- true\` | ${ms(result.wall.cliMedianMs)} | ${ms(result.wall.cliCpuMedianMs)} |
| ratio | **x${result.wall.ratio.toFixed(2)}** (aim: <= x1.30, ${ratio <= 1.3 ? 'met' : 'missed'}) | x${result.wall.cpuRatio.toFixed(2)} |

Where the rest goes: the minimal script loads one SDK client and sends one call; the CLI also loads the composition
root (config file, option schemas, the DI container), the DynamoDB client for the image read, and node:sqlite for the
local history record. The CLI measured is the bundled build (\`apps/cli/build.mjs\`).
`;
  process.stdout.write(`${doc}\n`);
  if (WRITE_DOCS) {
    const file = join(REPO, 'docs', 'benchmarks.md');
    let text = readFileSync(file, 'utf8');
    const start = text.indexOf('## CLI start on AWS');
    if (start === -1) {
      // Next to the in-process figures: right after the "## AWS provider" section.
      const aws = text.indexOf('## AWS provider');
      const next = aws === -1 ? -1 : text.indexOf('\n## ', aws + 1);
      text =
        next === -1
          ? `${text.trimEnd()}\n\n${doc}`
          : `${text.slice(0, next + 1)}${doc}\n${text.slice(next + 1)}`;
    } else {
      const next = text.indexOf('\n## ', start + 1);
      text = `${text.slice(0, start)}${doc}${next === -1 ? '' : `\n${text.slice(next + 1)}`}`;
    }
    writeFileSync(file, `${text.trimEnd()}\n`);
    say(`wrote the "## CLI start on AWS" section of ${file}`);
  }
} finally {
  await proxy.stop();
  await moto.stop();
  rmSync(scratch, { recursive: true, force: true });
}
