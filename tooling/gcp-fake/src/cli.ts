#!/usr/bin/env node
import { startControlServer } from './control-server.js';
import { startGcpFake } from './gcp-fake-server.js';

/*
 * Runs the fake on its own: `node dist/cli.js [--port N] [--ingestion-delay-ms N] [--exit-with-stdin]`. Prints one line
 * `READY <grpc port> <control url>` once serving; stops on SIGTERM / SIGINT.
 */
const args = process.argv.slice(2);
const option = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : undefined;
};
const port = option('--port');
const ingestionDelayMs = option('--ingestion-delay-ms');
const fake = await startGcpFake({
  ...(port !== undefined ? { port } : {}),
  ...(ingestionDelayMs !== undefined ? { ingestionDelayMs } : {}),
});
const control = await startControlServer(fake);
process.stdout.write(`READY ${fake.port} ${control.url}\n`);
const stop = async () => {
  await control.stop();
  await fake.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
// Started by a test run: when that process goes (even killed), stdin closes and the fake goes too.
if (args.includes('--exit-with-stdin')) {
  process.stdin.resume();
  process.stdin.once('end', () => void stop());
  process.stdin.once('close', () => void stop());
}
process.once('SIGINT', () => void stop());
