// What reading a task's log rows costs in node:sqlite alone, as row objects or as arrays: the same
// keyset query as LocalLogAggregator.streamLogs, 1000 rows per call, counting and keeping nothing.
// The benchmarks run it under probe.mjs to show why the provider reads arrays.
//
//   node bench/sqlite-rows.mjs <database file> <execution id> objects|arrays
import { DatabaseSync } from 'node:sqlite';

const [file, id, shape] = process.argv.slice(2);
const db = new DatabaseSync(file, { readOnly: true });
const query = db.prepare(
  'SELECT seq, ts, stream, message FROM task_logs WHERE execution_id = ? AND seq > ? ORDER BY seq LIMIT 1000',
);
const arrays = shape === 'arrays';
query.setReturnArrays(arrays);
let count = 0;
let after = -1;
for (;;) {
  const rows = query.all(id, after);
  count += rows.length;
  if (rows.length < 1000) break;
  const last = rows[rows.length - 1];
  after = arrays ? last[0] : last.seq;
}
db.close();
process.stdout.write(`${count}\n`);
