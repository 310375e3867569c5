// A server in its own process, for tests that kill it: prints its URL on stdout once it listens.
import { startServer } from '../../dist/index.js';

const server = await startServer({ env: process.env });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
