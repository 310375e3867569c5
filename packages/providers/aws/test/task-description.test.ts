import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { toTaskDescription } from '../src/index.js';

const task = (fields: Partial<Task>, exitCode?: number): Task => ({
  taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/jobs/0123456789abcdef0123456789abcdef',
  desiredStatus: 'RUNNING',
  containers: [{ name: 'main', ...(exitCode === undefined ? {} : { exitCode }) }],
  ...fields,
});

describe('toTaskDescription: the ECS states the emulator cannot reach', () => {
  it.each([
    ['ACTIVATING', task({ lastStatus: 'ACTIVATING' }), 'STARTING'],
    [
      'RUNNING with a user stop requested',
      task({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' }),
      'TERMINATING',
    ],
    [
      'DEACTIVATING after a user stop',
      task({ lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' }),
      'TERMINATING',
    ],
    [
      'DEACTIVATING after the container exited by itself',
      task({ lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' }),
      'RUNNING',
    ],
    [
      'DEPROVISIONING after the container exited by itself',
      task(
        { lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' },
        0,
      ),
      'RUNNING',
    ],
  ])('%s reads %s', (_name, input, status) => {
    const description = toTaskDescription(input, 'main');
    expect(description.status).toBe(status);
    expect(description.exitCode).toBeNull();
  });

  it('takes the exit code of the named container, not of a sidecar listed first', () => {
    const description = toTaskDescription(
      {
        ...task({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' }),
        containers: [
          { name: 'log-router', exitCode: 0 },
          { name: 'main', exitCode: 2, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        ],
      },
      'main',
    );
    expect(description).toMatchObject({ status: 'FAILED', exitCode: 2, stopCode: 'EXITED' });
    expect(description.reason).toContain('OutOfMemoryError');
  });

  it('a task that failed to start is FAILED even when ECS reports exit code 0', () => {
    const description = toTaskDescription(
      task(
        {
          lastStatus: 'STOPPED',
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'ResourceInitializationError: unable to pull secrets',
        },
        0,
      ),
      'main',
    );
    expect(description).toMatchObject({ status: 'FAILED', stopCode: 'FAILED_TO_START' });
    expect(description.reason).toContain('ResourceInitializationError');
  });
});
