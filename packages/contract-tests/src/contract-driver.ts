import type { TaskBehaviour } from './task-behaviour.js';

/**
 * Plays the container runtime for backends that do not run containers (emulators). It only does what the
 * platform itself would do - never what the adapter should have done. For backends that run the command
 * for real (the local provider) use `realRuntimeDriver`, which does nothing.
 */
export interface ContractDriver {
  /**
   * Called right after `startTask` resolved: runs the task as the platform would. What the task prints
   * and how it exits must come from **what the platform received** - the command and environment in the
   * container override or the Job spec, as the adapter sent them - never from `behaviour`, which is
   * only the test's intent (`commandFor(behaviour)` is the command the test asked for). So an adapter
   * that mangles the command or drops a variable fails. `runOnHost` runs a received argv for real with
   * the received environment, which is what most drivers need.
   *
   * It moves the task to RUNNING, writes the output where the platform's log collector would, and ends
   * the task with the command's exit code. It may return once the task runs (output and end follow in
   * the background) or only once it has ended: tests work with both.
   */
  play(executionId: string, behaviour: TaskBehaviour): Promise<void>;

  /**
   * Called when a test expects the platform to carry out a stop the adapter requested (kill or timeout).
   * Emulators that only record a "desired" stop end the task here as the platform would. Optional.
   */
  settle?(executionId: string): Promise<void>;

  /**
   * Makes the platform forget the task, as it does on its own later: ECS answers MISSING for a task about
   * an hour after it stopped, a deleted Job or Pod is gone, a wiped data directory has no row. Afterwards
   * `describeTask` must throw NotFoundError and the Service must record a non-final execution as FAILED
   * with stopCode RUNTIME_LOST. Anything still running for the task is stopped. Without it, the test
   * that uses it must be disabled with a reason.
   */
  forget?(executionId: string): Promise<void>;
}

/**
 * The driver for real runtimes: the process is real, so there is nothing to play. It cannot `forget`:
 * a real runtime's fixture adds that itself (`{ ...realRuntimeDriver, forget }`).
 */
export const realRuntimeDriver: ContractDriver = {
  async play() {},
};
