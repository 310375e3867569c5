import type { Execution } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOfExecution } from '../src/exit-codes.js';

function execution(fields: Partial<Execution>): Execution {
  return {
    executionId: 'exe-1',
    status: 'SUCCEEDED',
    command: ['true'],
    imageId: 'local:latest-00000000',
    image: 'local',
    createdBy: 'me',
    executor: 'local',
    createdAt: new Date(0).toISOString(),
    exitCode: 0,
    requestId: 'req-1',
    labels: {},
    envKeys: [],
    env: {},
    ...fields,
  };
}

describe('exitCodeOfExecution', () => {
  it('passes the task exit code through when the task exited by itself', () => {
    expect(exitCodeOfExecution(execution({ status: 'SUCCEEDED', exitCode: 0 }))).toBe(0);
    expect(exitCodeOfExecution(execution({ status: 'FAILED', exitCode: 3, stopCode: 'EXITED' }))).toBe(3);
    expect(exitCodeOfExecution(execution({ status: 'FAILED', exitCode: 137 }))).toBe(137);
  });

  it('uses the reserved codes for timeout, kill and infrastructure failure', () => {
    expect(exitCodeOfExecution(execution({ status: 'FAILED', exitCode: null, stopCode: 'TIMED_OUT' }))).toBe(
      EXIT.TIMED_OUT,
    );
    expect(
      exitCodeOfExecution(execution({ status: 'STOPPED', exitCode: 143, stopCode: 'USER_INITIATED' })),
    ).toBe(EXIT.KILLED);
    expect(
      exitCodeOfExecution(execution({ status: 'FAILED', exitCode: null, stopCode: 'FAILED_TO_START' })),
    ).toBe(125);
    expect(exitCodeOfExecution(execution({ status: 'FAILED', exitCode: 1, stopCode: 'RUNTIME_LOST' }))).toBe(
      125,
    );
  });

  it('never reports a failure as success: FAILED with an unknown or zero code is an infrastructure failure', () => {
    expect(exitCodeOfExecution(execution({ status: 'FAILED', exitCode: null }))).toBe(125);
    expect(exitCodeOfExecution(execution({ status: 'FAILED', exitCode: 0 }))).toBe(125);
  });

  it('treats a non-final status as an infrastructure failure', () => {
    expect(exitCodeOfExecution(execution({ status: 'RUNNING', exitCode: null }))).toBe(125);
  });
});
