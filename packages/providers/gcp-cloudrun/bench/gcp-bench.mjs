// Benchmarks of the gcp-cloudrun provider against the gRPC fake (a child process on 127.0.0.1, as in the tests):
//  1. API calls per startTask, counted by a gRPC client interceptor: warm (registered image), keyed, cold.
//  2. Following the logs of a 100,000-line execution: time, events, and this process's heap and RSS.
// Run: pnpm --filter @taskport/gcp-cloudrun bench   (after `pnpm exec turbo run build --filter @taskport/gcp-cloudrun...`)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { newRequestId } from '@taskport/core';
import { FakeControl } from '@taskport/gcp-fake';
import {
  CloudLoggingLogAggregator,
  CloudRunImageRegistry,
  CloudRunTaskExecutor,
  gcpClients,
  parseGcpOptions,
} from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const LINES = Number(process.env.BENCH_LOG_LINES ?? 100_000);
const WARM_STARTS = 50;

function startFake() {
  const cli = createRequire(import.meta.url).resolve('@taskport/gcp-fake/cli');
  const child = spawn(process.execPath, [cli, '--ingestion-delay-ms', '100', '--exit-with-stdin'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /READY (\d+) (\S+)/.exec(out);
      if (match)
        resolveStart({ child, endpoint: `127.0.0.1:${match[1]}`, control: new FakeControl(match[2]) });
    });
    child.on('exit', (code) => reject(new Error(`the fake exited ${code}`)));
  });
}

/** A gRPC client interceptor that records the method of every call (retries included). */
function counter(calls) {
  return (options, nextCall) => {
    calls.push(options.method_definition.path.split('/').pop());
    return new grpc.InterceptingCall(nextCall(options));
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const request = (image, extra = {}) => ({
  command: ['printf', '%s\n', 'bench'],
  image,
  env: { BENCH: '1' },
  secrets: {},
  labels: {},
  requestId: newRequestId(),
  ...extra,
});

const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function main() {
  const { child, endpoint, control } = await startFake();
  const results = {};
  try {
    const options = parseGcpOptions({
      project: 'bench-project',
      region: 'us-central1',
      endpoint,
      logIngestionDelayMs: 300,
    });
    const calls = [];
    const clients = gcpClients(options, { interceptors: [counter(calls)] });
    const registry = new CloudRunImageRegistry(options, clients);
    const executor = new CloudRunTaskExecutor(options, clients);
    const image = await registry.registerImage({
      image: 'python:3.12-slim',
      resources: { cpu: 1024, memory: 2048 },
      registeredBy: 'bench@taskport.test',
    });

    // 1. Calls per start.
    const per = async (start) => {
      calls.length = 0;
      const began = performance.now();
      await start();
      return { calls: [...calls], ms: performance.now() - began };
    };
    const warm = [];
    for (let n = 0; n < WARM_STARTS; n++)
      warm.push(await per(() => executor.startTask('bench@taskport.test', request(image))));
    const keyed = await per(() =>
      executor.startTask('bench@taskport.test', request(image, { idempotencyKey: `bench-${Date.now()}` })),
    );
    const foreign = {
      ...image,
      imageId: 'docker.io/library/alpine:3.20-0badc0de',
      reference: 'docker.io/library/alpine:3.20',
    };
    const cold = await per(() => executor.startTask('bench@taskport.test', request(foreign)));
    results.callsPerStart = {
      warm: {
        calls: [...new Set(warm.map((w) => w.calls.join('+')))],
        maxCalls: Math.max(...warm.map((w) => w.calls.length)),
      },
      keyed: keyed.calls,
      coldForeignImage: cold.calls,
      warmMedianMs: Math.round(median(warm.map((w) => w.ms)) * 10) / 10,
    };

    // 2. Follow a 100k-line execution while it prints (1000-line batches), then let it exit.
    const { executionId } = await executor.startTask(
      'bench@taskport.test',
      request(image, { command: ['true'] }),
    );
    const logs = new CloudLoggingLogAggregator(options, clients);
    globalThis.gc?.();
    const base = process.memoryUsage();
    let peakHeap = base.heapUsed;
    let peakRss = base.rss;
    let peakLive = base.heapUsed;
    let ticks = 0;
    const sampler = setInterval(() => {
      // Every second, the heap that is live after a full GC: what the stream retains, not what awaits collection.
      if (++ticks % 40 === 0 && globalThis.gc) {
        globalThis.gc();
        peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
      }
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    }, 25);
    let writtenAt = 0;
    const writer = (async () => {
      const batch = 1000;
      for (let start = 0; start < LINES; start += batch) {
        const lines = Array.from(
          { length: Math.min(batch, LINES - start) },
          (_, i) => `line ${String(start + i).padStart(7, '0')} ${'x'.repeat(60)}`,
        );
        await control.print(executionId, 'stdout', lines);
      }
      writtenAt = performance.now();
      await control.start(executionId, 'exit');
    })();
    calls.length = 0;
    const began = performance.now();
    let count = 0;
    let last = '';
    let ordered = true;
    // Repeats are checked on the eventIds in order (a repeat would break the strictly rising sequence).
    let previousId = '';
    let repeats = 0;
    for await (const event of logs.streamLogs(executionId, { follow: true, pollIntervalMs: 200 })) {
      count++;
      if (event.message <= last) ordered = false;
      last = event.message;
      if (event.eventId === previousId) repeats++;
      previousId = event.eventId;
    }
    const seconds = (performance.now() - began) / 1000;
    clearInterval(sampler);
    await writer;
    results.follow = {
      lines: LINES,
      events: count,
      repeatedEvents: repeats,
      inOrder: ordered,
      seconds: Math.round(seconds * 100) / 100,
      writerSeconds: Math.round((writtenAt - began) / 10) / 100,
      listLogEntriesCalls: calls.filter((c) => c === 'ListLogEntries').length,
      heapMiB: { before: mib(base.heapUsed), peak: mib(peakHeap), peakLiveAfterGc: mib(peakLive) },
      rssMiB: { before: mib(base.rss), peak: mib(peakRss) },
    };
    await Promise.all([executor.close(), registry.close(), logs.close(), clients.close()]);
  } finally {
    child.kill('SIGTERM');
  }
  results.machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} vCPUs, ${(mib(os.totalmem()) / 1024) | 0} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  results.date = new Date().toISOString();
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/gcp-cloudrun.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

await main();
