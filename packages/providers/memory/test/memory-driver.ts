import { type ContractDriver, commandFor, type TaskBehaviour } from '@taskport/contract-tests';
import type { MemoryWorld } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Plays the container runtime of the memory world for the contract suites. It only does what a platform
 * would do with what the adapter sent: it runs the command the task *received*, and it knows how to run
 * exactly the commands the suites' behaviours produce; anything else is "command not found" (127), so an
 * adapter that altered the command fails the test.
 */
export function memoryDriver(world: MemoryWorld): ContractDriver {
  return {
    async play(executionId, behaviour) {
      const task = world.tasks.get(executionId);
      if (!task)
        throw new Error(`the driver was asked to play ${executionId}, which the world does not hold`);
      const received = task.request.command;
      const expected = commandFor(behaviour);
      if (JSON.stringify(received) !== JSON.stringify(expected)) {
        world.start(executionId);
        world.print(executionId, `sh: ${JSON.stringify(received)}: not found`, 'stderr');
        world.exit(executionId, 127);
        return;
      }
      await run(world, executionId, behaviour);
    },
  };
}

async function run(world: MemoryWorld, executionId: string, behaviour: TaskBehaviour): Promise<void> {
  world.start(executionId);
  switch (behaviour.kind) {
    case 'exit':
      for (const line of behaviour.stdout ?? []) world.print(executionId, line, 'stdout');
      for (const line of behaviour.stderr ?? []) world.print(executionId, line, 'stderr');
      world.exit(executionId, behaviour.exitCode);
      return;
    case 'printEnv': {
      const environment = world.containerEnvironment(executionId);
      for (const name of behaviour.names) world.print(executionId, `${name}=${environment[name] ?? ''}`);
      world.exit(executionId, 0);
      return;
    }
    case 'printArgs':
      for (const arg of behaviour.args) world.print(executionId, arg);
      world.exit(executionId, 0);
      return;
    case 'slowLines':
      void (async () => {
        for (const line of behaviour.lines) {
          if (world.tasks.get(executionId)?.state.status !== 'RUNNING') return;
          world.print(executionId, line);
          await sleep(behaviour.intervalMs);
        }
        if (world.tasks.get(executionId)?.state.status === 'RUNNING') world.exit(executionId, 0);
      })();
      return;
    case 'sleep':
      return;
  }
}
