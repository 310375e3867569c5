// Loaded with `node --import ./probe.mjs` into a CLI process by the benchmarks: records every module
// the process resolves (ESM and CommonJS alike, through the synchronous in-thread module hooks) and
// its peak RSS, and writes them as JSON to $TASKPORT_PROBE_OUT when the process exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.TASKPORT_PROBE_OUT;
const modules = new Set();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    modules.add(result.url);
    return result;
  },
});

process.on('exit', () => {
  if (!out) return;
  writeFileSync(out, JSON.stringify({ modules: [...modules], maxRssKb: process.resourceUsage().maxRSS }));
});
