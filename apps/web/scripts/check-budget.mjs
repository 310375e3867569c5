// Fails the build when the JavaScript a first visit loads is over budget. "First load" is every script
// dist/index.html references (the entry and its modulepreloads), gzipped at level 6 as a server would.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 150 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = new Set(
  [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map(
    (m) => m[1],
  ),
);
if (scripts.size === 0) {
  console.error('check-budget: dist/index.html references no script; is the build broken?');
  process.exit(1);
}
let total = 0;
const files = [];
for (const src of scripts) {
  const bytes = readFileSync(join(dist, src.replace(/^\//, '')));
  const gzipped = gzipSync(bytes, { level: 6 }).length;
  total += gzipped;
  files.push({ file: src, bytes: bytes.length, gzipped });
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const f of files) console.log(`check-budget: ${f.file} ${kb(f.bytes)} raw, ${kb(f.gzipped)} gzipped`);
console.log(`check-budget: first-load JavaScript ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)})`);
writeFileSync(
  join(dist, 'budget.json'),
  `${JSON.stringify({ budgetBytes: BUDGET_BYTES, totalGzipped: total, files }, null, 2)}\n`,
);
if (total > BUDGET_BYTES) {
  console.error(`check-budget: over budget by ${kb(total - BUDGET_BYTES)}`);
  process.exit(1);
}
