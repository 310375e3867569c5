// Reads the output of the test run and prints one closing line for the whole repository,
// "taskport: N passed, N failed[, N skipped]", summed over every package's vitest summary.
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const text = stripVTControlCharacters(readFileSync(process.argv[2], 'utf8'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let packages = 0;
for (const line of text.split('\n')) {
  // vitest: "      Tests  1 failed | 16 passed | 2 skipped (19)"
  const match = /^\S*\s*Tests\s+(.+)\(\d+\)\s*$/.exec(line);
  if (!match) continue;
  packages += 1;
  for (const part of match[1].split('|')) {
    const [, count, kind] = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part) ?? [];
    if (kind === 'todo') totals.skipped += Number(count);
    else if (kind) totals[kind] += Number(count);
  }
}
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`taskport: ${totals.passed} passed, ${totals.failed} failed${skipped}`);
if (packages === 0) {
  console.error('no test summary found in the output: no test ran');
  process.exit(1);
}
