// Writes the "Web console" section of docs/benchmarks.md from the figures the browser suite measured
// (e2e-artifacts/big-log.json), with the machine they were measured on. Run by `pnpm bench`.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const figures = JSON.parse(readFileSync(join(here, '..', 'e2e-artifacts', 'big-log.json'), 'utf8'));
const budget = JSON.parse(readFileSync(join(here, '..', 'dist', 'budget.json'), 'utf8'));
const docs = join(here, '..', '..', '..', 'docs', 'benchmarks.md');

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const machine = `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, Chromium ${figures.chromium} (Debian), headless`;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const section = `## Web console

Measured ${figures.measuredAt.slice(0, 16).replace('T', ' ')} UTC by the browser suite's 100,000-line test
(\`apps/web/e2e/big-log.e2e.ts\`): a real \`taskport server\` on loopback with the local provider, a task
printing 100,000 lines (every tenth in colour, every hundredth on stderr), the console following its log
over SSE in Debian's Chromium through playwright-core. One run, on a machine shared with other builds
(1-minute load average ${loadavg()[0].toFixed(2)} when the section was written).

- Machine: ${machine}.
- Command: \`pnpm --filter @taskport/web bench\` (runs that test, then rewrites this section from
  \`apps/web/e2e-artifacts/big-log.json\`).

| measurement | result |
|---|---|
| first-load JavaScript, gzipped (build fails over 150 KB) | ${kb(budget.totalGzipped)} |
| view opened -> first log line on screen (in-page mark) | ${Math.round(figures.firstLineMarkMs)} ms |
| navigation -> signed in (page load, key checked with \`GET /users/me\`) | ${figures.signedInMs ?? 'n/a'} ms |
| navigation -> first log line on screen (the above, then the view, the stream, the first frame) | ${figures.firstLineMs} ms |
| navigation -> all ${figures.lines.toLocaleString('en')} lines in the view | ${(figures.allLinesMs / 1000).toFixed(1)} s |
| DOM nodes in the log view, following the end / scrolled to the middle | ${figures.nodesAtEnd.logNodes} / ${figures.nodesInMiddle.logNodes} (${figures.nodesAtEnd.rows} / ${figures.nodesInMiddle.rows} rows rendered) |
| DOM nodes in the whole document at the end | ${figures.nodesAtEnd.documentNodes} |
| search over all lines ("on stderr", ${(figures.lines / 100).toLocaleString('en')} hits) until the count shows | ${figures.searchMs} ms |
| JS heap used with the ${figures.lines.toLocaleString('en')} lines held | ${figures.usedJsHeapMb ?? 'n/a'} MiB |

Reading: the DOM holds the rows in view plus 20 above and below, whatever the log's length, so the node
count is the same at 100 or 100,000 lines; memory grows with the lines held (parallel arrays of strings),
bounded at 250,000 rows, past which the oldest are dropped from view (Download still has all).
`;

const text = readFileSync(docs, 'utf8');
const start = text.indexOf('## Web console');
let next = start === -1 ? -1 : text.indexOf('\n## ', start + 1);
if (next !== -1) next += 1;
const updated =
  start === -1
    ? `${text.trimEnd()}\n\n${section}`
    : `${text.slice(0, start)}${section}${next === -1 ? '' : `\n${text.slice(next)}`}`;
writeFileSync(docs, updated.endsWith('\n') ? updated : `${updated}\n`);
console.log(`write-benchmarks: docs/benchmarks.md "Web console" section written`);
