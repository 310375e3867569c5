// Loaded with `node --import ./probe.mjs` into a process by the benchmarks. When the process exits it
// writes to $TASKPORT_PROBE_OUT, as JSON: its CPU time, its peak RSS and, with
// TASKPORT_PROBE_MODULES=1, every module it resolved (ESM and CommonJS alike, seen through the
// synchronous in-thread module hooks).
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.TASKPORT_PROBE_OUT;
const modules = new Set();

if (process.env.TASKPORT_PROBE_MODULES === '1') {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      modules.add(result.url);
      return result;
    },
  });
}

process.on('exit', () => {
  if (!out) return;
  const { user, system } = process.cpuUsage();
  writeFileSync(
    out,
    JSON.stringify({
      modules: [...modules],
      maxRssKb: process.resourceUsage().maxRSS,
      cpuMs: (user + system) / 1000,
    }),
  );
});
