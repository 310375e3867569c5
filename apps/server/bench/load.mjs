#!/usr/bin/env node
// Loopback load test of taskport server over the local provider (real processes):
// RUNS runs submitted by CLIENTS concurrent clients, FOLLOWERS of them followed live over SSE.
// Checks that nothing is lost or duplicated (every follower sees every line once, in order; every
// run's stored log has every line once; the store holds exactly RUNS executions of this batch) and
// reports POST /run latency p50/p99, time to first streamed line, and the server's peak RSS (VmHWM).
//
//   pnpm --filter @taskport/server bench            # RUNS=1000 CLIENTS=50 FOLLOWERS=200 LINES=20
//   RUNS=200 CLIENTS=20 FOLLOWERS=50 pnpm --filter @taskport/server bench
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapUser } from '../dist/index.js';

const RUNS = Number(process.env.RUNS ?? 1000);
const CLIENTS = Number(process.env.CLIENTS ?? 50);
const FOLLOWERS = Number(process.env.FOLLOWERS ?? 200);
const LINES = Number(process.env.LINES ?? 20);
const CHILD = fileURLToPath(new URL('../test/helpers/server-child.mjs', import.meta.url));

const root = await mkdtemp(join(tmpdir(), 'taskport-load-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const env = {
  PATH: process.env.PATH,
  HOME: root,
  TASKPORT_DATA_DIR: join(root, 'data'),
  TASKPORT_LISTEN: `127.0.0.1:${port}`,
  TASKPORT_RATE_LIMIT: '100000/s,burst=100000',
};
const { apiKey } = await bootstrapUser('bench@example.com', 'admin', { env });
const url = `http://127.0.0.1:${port}/api/v1`;
const server = spawn(process.execPath, [CHILD], { env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.once('data', resolve));
const peakRss = () => {
  try {
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};
const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
const batch = `load${Date.now()}`;

const expectedLines = (i) => Array.from({ length: LINES }, (_, n) => `run-${i}-line-${n + 1}`);
const command = (i, live) => [
  'sh',
  '-c',
  `n=1; while [ $n -le ${LINES} ]; do echo run-${i}-line-$n; n=$((n+1)); ${live ? 'sleep 0.05; ' : ''}done`,
];

async function follow(id, submittedAt) {
  const lines = [];
  let firstLineMs;
  let lastId;
  for (let attempt = 0; attempt < 20; attempt++) {
    const response = await fetch(`${url}/executions/${id}/logs`, {
      headers: { ...headers, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
    });
    if (response.status === 204) return { lines, firstLineMs };
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let at = buffer.indexOf('\n\n'); at !== -1; at = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        const eventId = /^id: (.*)$/m.exec(block)?.[1];
        if (event === 'end') return { lines, firstLineMs };
        if (event === 'log') {
          firstLineMs ??= performance.now() - submittedAt;
          lines.push(JSON.parse(data).message);
          lastId = eventId;
        }
      }
    }
  }
  return { lines, firstLineMs };
}

const latencies = [];
const followers = [];
const ids = new Array(RUNS);
let next = 0;
let failures = 0;
const started = performance.now();
const rssSampler = setInterval(() => peakRss(), 500);
async function client() {
  for (;;) {
    const i = next++;
    if (i >= RUNS) return;
    const live = i < FOLLOWERS;
    const t0 = performance.now();
    const response = await fetch(`${url}/run`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': `${batch}-${i}` },
      body: JSON.stringify({ command: command(i, live), labels: { batch } }),
    });
    const body = await response.json();
    latencies.push(performance.now() - t0);
    if (response.status !== 202) {
      failures++;
      console.error('run failed', response.status, JSON.stringify(body));
      continue;
    }
    ids[i] = body.execution.executionId;
    if (live) followers.push(follow(ids[i], t0).then((r) => ({ i, ...r })));
  }
}
await Promise.all(Array.from({ length: CLIENTS }, client));
const submittedMs = performance.now() - started;
const followed = await Promise.all(followers);
const followedMs = performance.now() - started;

// Every run finishes and its stored log holds every line once.
let lost = 0;
let duplicated = 0;
for (let i = 0; i < RUNS; i++) {
  if (!ids[i]) continue;
  for (;;) {
    const wait = await (
      await fetch(`${url}/executions/${ids[i]}/wait?timeoutSeconds=60`, { headers })
    ).json();
    if (wait.done) break;
  }
  const page = await (await fetch(`${url}/executions/${ids[i]}/logs?limit=10000`, { headers })).json();
  const got = page.events.map((e) => e.message);
  const want = expectedLines(i);
  lost += want.filter((l) => !got.includes(l)).length;
  duplicated += got.length - new Set(got).size;
}
let followerMismatches = 0;
for (const f of followed) {
  if (JSON.stringify(f.lines) !== JSON.stringify(expectedLines(f.i))) followerMismatches++;
}
let listed = 0;
let cursor = null;
do {
  const page = await (
    await fetch(
      `${url}/executions?limit=1000&label=batch%3D${batch}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { headers },
    )
  ).json();
  listed += page.executions.length;
  cursor = page.nextCursor;
} while (cursor);
clearInterval(rssSampler);
const rss = peakRss();
// The server's own view: event-loop lag (synchronous SQLite waiting for the file lock shows here).
const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers })).text();
const metric = (name) =>
  Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metricsText)?.[1] ?? Number.NaN);
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await rm(root, { recursive: true, force: true });

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const firstLines = followed.map((f) => f.firstLineMs).filter((v) => v !== undefined);
const result = {
  runs: RUNS,
  clients: CLIENTS,
  followers: FOLLOWERS,
  linesPerRun: LINES,
  failedSubmissions: failures,
  recorded: listed,
  linesLost: lost,
  linesDuplicated: duplicated,
  followersWithWrongLines: followerMismatches,
  postRunP50ms: Math.round(pct(latencies, 50)),
  postRunP99ms: Math.round(pct(latencies, 99)),
  firstStreamedLineP50ms: Math.round(pct(firstLines, 50)),
  firstStreamedLineP99ms: Math.round(pct(firstLines, 99)),
  submitAllSeconds: Number((submittedMs / 1000).toFixed(1)),
  allFollowersDoneSeconds: Number((followedMs / 1000).toFixed(1)),
  serverPeakRssMB: Math.round(rss / 1024 / 1024),
  serverEventLoopLagMaxMs: Math.round(metric('taskport_server_nodejs_eventloop_lag_max_seconds') * 1000),
  serverEventLoopLagP99Ms: Math.round(metric('taskport_server_nodejs_eventloop_lag_p99_seconds') * 1000),
  loadAverage1m: Number(loadavg()[0].toFixed(1)),
  machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
};
console.log(JSON.stringify(result, null, 2));
const ok = failures === 0 && listed === RUNS && lost === 0 && duplicated === 0 && followerMismatches === 0;
process.exit(ok ? 0 : 1);
