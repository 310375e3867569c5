import {
  type ImageInfo,
  isFinalStatus,
  newRequestId,
  type TaskDescription,
  type TaskExecutor,
  type TaskStartRequest,
} from '@taskport/core';
import type { ContractDriver } from './contract-driver.js';
import { randomToken } from './random-id.js';
import { commandFor, type TaskBehaviour } from './task-behaviour.js';
import { waitFor } from './wait-for.js';

/** What a test may add to the start request, and who starts it (default `CONTRACT_USER`). */
export type StartExtras = Partial<
  Pick<
    TaskStartRequest,
    'env' | 'secrets' | 'timeoutSeconds' | 'idempotencyKey' | 'workingDir' | 'interactive'
  >
> & { userEmail?: string };

/** The user every contract test starts tasks as. */
export const CONTRACT_USER = 'contract@taskport.test';
/** A second user, for the tests that keys are scoped per user. */
export const OTHER_CONTRACT_USER = 'other-contract@taskport.test';

/** Starts tasks for one test and knows how to wait for them; everything it starts is killed afterwards. */
export class TaskRuns {
  constructor(
    private readonly executor: TaskExecutor,
    private readonly image: ImageInfo,
    private readonly driver: ContractDriver,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
    private readonly defer: (cleanup: () => Promise<unknown>) => void,
  ) {}

  /**
   * Starts a task that behaves as `behaviour` (the real command for real runtimes), lets the driver
   * play it and returns the execution id once `play` has returned.
   */
  async start(behaviour: TaskBehaviour, extra: StartExtras = {}): Promise<string> {
    const { executionId } = await this.startOnly(behaviour, extra);
    await this.driver.play(executionId, behaviour);
    return executionId;
  }

  /**
   * Like `start`, but returns as soon as the task is accepted, with the driver playing alongside. For
   * tests that watch output appear: a driver may write all of a 'slowLines' task before `play` returns,
   * and the test must be reading meanwhile. Await `played` to see the driver's own errors; a test that
   * abandons the task (abort) need not, and the task is killed after the test like any other.
   */
  async startWhilePlaying(
    behaviour: TaskBehaviour,
    extra: StartExtras = {},
  ): Promise<{ executionId: string; played: Promise<void> }> {
    const { executionId } = await this.startOnly(behaviour, extra);
    const played = this.driver.play(executionId, behaviour);
    // Surfaced when the test awaits it; never an unhandled rejection meanwhile.
    played.catch(() => {});
    return { executionId, played };
  }

  /** `startTask` alone (no driver), for tests that look at the start itself. */
  async startOnly(behaviour: TaskBehaviour, extra: StartExtras = {}) {
    const request: TaskStartRequest = {
      command: commandFor(behaviour),
      image: this.image,
      env: extra.env ?? {},
      secrets: extra.secrets ?? {},
      labels: {},
      requestId: newRequestId(),
      ...(extra.timeoutSeconds !== undefined ? { timeoutSeconds: extra.timeoutSeconds } : {}),
      ...(extra.idempotencyKey !== undefined ? { idempotencyKey: extra.idempotencyKey } : {}),
      ...(extra.workingDir !== undefined ? { workingDir: extra.workingDir } : {}),
      ...(extra.interactive !== undefined ? { interactive: extra.interactive } : {}),
    };
    const result = await this.executor.startTask(extra.userEmail ?? CONTRACT_USER, request, {
      signal: this.signal,
    });
    this.defer(() => this.stopQuietly(result.executionId));
    return result;
  }

  /**
   * Polls `describeTask` until `until` holds. With `settle`, asks the driver to carry out any stop the
   * adapter requested before each read (kill, timeout watchdog): drivers make that a no-op otherwise.
   * Every description read is passed to `seen`, so a test can check what was never observed.
   */
  waitForTask(
    executionId: string,
    until: (description: TaskDescription) => boolean,
    what: string,
    options: { settle?: boolean; seen?: (description: TaskDescription) => void } = {},
  ): Promise<TaskDescription> {
    return waitFor(
      async () => {
        if (options.settle) await this.driver.settle?.(executionId);
        const description = await this.executor.describeTask(executionId, { signal: this.signal });
        options.seen?.(description);
        return description;
      },
      until,
      { timeoutMs: this.timeoutMs, what: `task ${executionId} ${what}`, signal: this.signal },
    );
  }

  waitForFinal(
    executionId: string,
    options: { settle?: boolean; seen?: (description: TaskDescription) => void } = {},
  ): Promise<TaskDescription> {
    return this.waitForTask(executionId, (d) => isFinalStatus(d.status), 'to reach a final status', options);
  }

  async isDone(executionId: string): Promise<boolean> {
    return isFinalStatus((await this.executor.describeTask(executionId)).status);
  }

  /** Best-effort kill of a task this test started, so nothing outlives the test. */
  private async stopQuietly(executionId: string): Promise<void> {
    try {
      if (await this.isDone(executionId)) return;
      await this.executor.killTask(executionId);
      await this.driver.settle?.(executionId);
    } catch {
      // Already gone, or the backend is being torn down: nothing left to stop.
    }
  }
}

/** A marker unique to one test, put into task output so a test only ever reads its own lines. */
export function outputToken(): string {
  return `t${randomToken()}`;
}
