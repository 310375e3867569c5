/**
 * The detached timeout watchdog of one docker task: `node docker-watchdog.js '<json WatchdogArguments>'`.
 *
 * Docker has no run deadline of its own, and the process that started the task (often a CLI that exits
 * at once) is gone by the time it is due. So the executor starts this small process detached for every
 * task with a timeout: it waits for the container to end (`POST /wait`), and if the deadline comes first
 * it records the TIMED_OUT stop intent and stops the container (SIGTERM, SIGKILL after the grace period).
 * If the watchdog itself is lost (reboot, kill), reads of the task and `prune` stop the overdue container
 * instead, so the deadline still holds, only later.
 */
import { DockerEngine } from './docker-engine.js';
import { hasStatus } from './docker-errors.js';
import { recordStopIntent, timeoutReason } from './task-records.js';
import type { WatchdogArguments } from './watchdog-arguments.js';

const args = JSON.parse(process.argv[2] ?? '{}') as WatchdogArguments;
process.title = `taskport-docker-watchdog ${args.container ?? ''}`;
// Detached in its own session: these only come from someone signalling it on purpose.
process.on('SIGHUP', () => {});

async function main(): Promise<void> {
  const engine = new DockerEngine({
    host: args.host,
    apiVersion: args.apiVersion,
    tls: args.tls,
    ...(args.certPath ? { certPath: args.certPath } : {}),
  });
  const path = `/containers/${encodeURIComponent(args.container)}`;
  const untilDeadline = AbortSignal.timeout(Math.max(0, args.deadline - Date.now()));
  try {
    // Resolves when the container stops by itself (or is killed on request): nothing left to do.
    await engine.request('POST', `${path}/wait`, {
      query: { condition: 'not-running' },
      signal: untilDeadline,
      timeoutMs: 0,
    });
    return;
  } catch (error) {
    if (!untilDeadline.aborted) {
      if (hasStatus(error, 404)) return;
      // The engine went away or the wait broke: fall back to sleeping until the deadline.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.deadline - Date.now())));
    }
  }
  const { body } = await engine
    .request<{ State?: { Running?: boolean } }>('GET', `${path}/json`)
    .catch(() => ({ body: undefined }));
  if (!body?.State?.Running) return;
  await recordStopIntent(engine, args.container, {
    stopCode: 'TIMED_OUT',
    reason: timeoutReason(args.timeoutSeconds),
    requestedAt: Date.now(),
  });
  await engine.request('POST', `${path}/stop`, {
    query: { t: args.graceSeconds },
    timeoutMs: (args.graceSeconds + 30) * 1000,
  });
  engine.close();
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
