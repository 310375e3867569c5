import type { TaskBehaviour } from './task-behaviour.js';

/**
 * Plays the container runtime for backends that do not run containers (emulators). It only does what the
 * platform itself would do - never what the adapter should have done. For backends that run the command
 * for real (the local provider) use `realRuntimeDriver`, which does nothing.
 */
export interface ContractDriver {
  /**
   * Called right after `startTask` resolved. Makes the task behave as `behaviour` says: for 'exit' and
   * 'printEnv' it moves the task to RUNNING, writes the output where the platform's log collector would,
   * then ends the task with the exit code. For 'printEnv' it reads the environment the platform received
   * for the task (e.g. the container overrides) - the point is to prove the adapter passed it on.
   * For 'slowLines' it writes lines over time and may return before they are all written.
   * For 'sleep' it moves the task to RUNNING and returns; the task ends only by kill or timeout.
   */
  play(executionId: string, behaviour: TaskBehaviour): Promise<void>;

  /**
   * Called when a test expects the platform to carry out a stop the adapter requested (kill or timeout).
   * Emulators that only record a "desired" stop end the task here as the platform would. Optional.
   */
  settle?(executionId: string): Promise<void>;
}

/** The driver for real runtimes: the process is real, so there is nothing to play. */
export const realRuntimeDriver: ContractDriver = {
  async play() {},
};
