import { type ContractDriver, runOnHost } from '@taskport/contract-tests';
import { isFinalStatus } from '@taskport/core';
import type { MemoryWorld } from '../src/index.js';

/**
 * Plays the container runtime of the memory world for the contract suites, from what the task received:
 * it runs the received command on this machine (`runOnHost`: exactly that argv, exactly the container's
 * environment with secret references resolved by the world's secret store), writes each line where the
 * platform's log collector would (`world.print`), and ends the task with the command's exit code. When the
 * platform ends the task first (a kill, the deadline), it stops the process as a runtime would.
 * `behaviour` is never read: an adapter that altered the command or the environment fails the test.
 */
export function memoryDriver(
  world: MemoryWorld,
): ContractDriver & { forget(executionId: string): Promise<void> } {
  return {
    async play(executionId) {
      const task = world.tasks.get(executionId);
      if (!task)
        throw new Error(`the driver was asked to play ${executionId}, which the world does not hold`);
      const { command } = task.request;
      const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
      world.start(executionId);
      let ended = false;
      const interactive = task.request.interactive === true;
      const run = runOnHost(argv, {
        env: world.containerEnvironment(executionId),
        ...(task.request.workingDir !== undefined ? { cwd: task.request.workingDir } : {}),
        stdin: interactive,
        onLine: (line) => {
          if (world.tasks.get(executionId)?.state.status === 'RUNNING') {
            world.print(executionId, line.message, line.stream);
          }
        },
      });
      void run.exited.then((exit) => {
        ended = true;
        if (!world.tasks.has(executionId)) return;
        if (exit.kind === 'exited') world.exit(executionId, exit.exitCode);
        else world.failToStart(executionId, exit.reason);
      });
      if (interactive) {
        // The world's stdin of the task (attachStdin) is the container's: hand it over as it arrives.
        void (async () => {
          let sent = 0;
          while (!ended) {
            const stdin = world.stdin.get(executionId);
            while (stdin && sent < stdin.chunks.length) await run.write(stdin.chunks[sent++]!);
            if (stdin?.closed) {
              run.endInput();
              return;
            }
            await world.nextChange(500);
          }
        })();
      }
      void (async () => {
        while (!ended) {
          await world.nextChange(500);
          const current = world.tasks.get(executionId);
          if (!ended && (!current || isFinalStatus(current.state.status))) {
            run.stop(500);
            return;
          }
        }
      })();
    },
    async forget(executionId) {
      world.forget(executionId);
    },
  };
}
