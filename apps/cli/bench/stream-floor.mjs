// The floor under `taskport logs`: the same Service.streamLogs call, in a process that only counts the
// events and writes nothing. The benchmarks run it under probe.mjs next to the CLI, so the CLI's own
// share of time and memory can be told from the provider's.
import { createTaskport } from '@taskport/container';

const taskport = await createTaskport();
let count = 0;
for await (const _event of taskport.service.streamLogs(process.argv[2])) count++;
await taskport.close();
process.stdout.write(`${count}\n`);
