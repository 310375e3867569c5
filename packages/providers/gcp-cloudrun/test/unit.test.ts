import type { protos } from '@google-cloud/run';
import {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '@taskport/core';
import { describe, expect, it } from 'vitest';
import {
  gcpClientOptions,
  jobIdFor,
  parseGcpOptions,
  toTaskDescription,
  translateGcpError,
} from '../src/index.js';

/* Pure mappings: no client involved (the wire tests cover the calls). */

type ICondition = protos.google.cloud.run.v2.ICondition;
const completed = (state: ICondition['state'], extra: Partial<ICondition> = {}): ICondition => ({
  type: 'Completed',
  state,
  ...extra,
});
const t = { seconds: '1800000000', nanos: 0 };
const later = { seconds: '1800000060', nanos: 0 };

describe('toTaskDescription', () => {
  it('a cancelled execution is STOPPED even when its Completed condition reads SUCCEEDED', () => {
    const description = toTaskDescription(
      {
        name: 'projects/p/locations/r/jobs/j/executions/j-abcde',
        taskCount: 1,
        succeededCount: 0,
        cancelledCount: 1,
        startTime: t,
        completionTime: later,
        conditions: [
          completed('CONDITION_SUCCEEDED', { executionReason: 'CANCELLED', message: 'cancelled' }),
        ],
      },
      [],
    );
    expect(description).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED', exitCode: null });
  });

  it('SUCCEEDED needs every task counted as succeeded', () => {
    const partial = toTaskDescription(
      {
        taskCount: 3,
        succeededCount: 1,
        completionTime: later,
        conditions: [completed('CONDITION_SUCCEEDED')],
      },
      [],
    );
    expect(partial.status).toBe('FAILED');
    const all = toTaskDescription(
      {
        taskCount: 3,
        succeededCount: 3,
        completionTime: later,
        conditions: [completed('CONDITION_SUCCEEDED')],
      },
      [],
    );
    expect(all).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' });
  });

  it('a failed task gives its exit code; a timed-out one TIMED_OUT with no exit code', () => {
    const failed = toTaskDescription(
      {
        taskCount: 1,
        failedCount: 1,
        startTime: t,
        completionTime: later,
        conditions: [completed('CONDITION_FAILED')],
      },
      [{ lastAttemptResult: { exitCode: 42, status: { code: 2, message: 'exited' } } }],
    );
    expect(failed).toMatchObject({ status: 'FAILED', exitCode: 42, stopCode: 'EXITED' });
    const timedOut = toTaskDescription(
      {
        taskCount: 1,
        failedCount: 1,
        startTime: t,
        completionTime: later,
        conditions: [completed('CONDITION_FAILED')],
      },
      [{ lastAttemptResult: { exitCode: 0, status: { code: 4, message: 'reached the maximum timeout' } } }],
    );
    expect(timedOut).toMatchObject({ status: 'FAILED', exitCode: null, stopCode: 'TIMED_OUT' });
    expect(timedOut.reason).toBeTruthy();
  });

  it('a failure without an exit code is never reported as exit 0', () => {
    const lost = toTaskDescription(
      { taskCount: 1, failedCount: 1, completionTime: later, conditions: [completed('CONDITION_FAILED')] },
      [{ lastAttemptResult: { exitCode: 0, status: { code: 7, message: 'secret not found' } } }],
    );
    expect(lost).toMatchObject({ status: 'FAILED', exitCode: null, stopCode: 'FAILED_TO_START' });
  });

  it('pending, running and cancelling executions', () => {
    expect(toTaskDescription({ conditions: [completed('CONDITION_PENDING')] }, []).status).toBe('STARTING');
    expect(toTaskDescription({ startTime: t, runningCount: 1, conditions: [] }, []).status).toBe('RUNNING');
    expect(
      toTaskDescription(
        { startTime: t, conditions: [completed('CONDITION_RECONCILING', { executionReason: 'CANCELLING' })] },
        [],
      ).status,
    ).toBe('TERMINATING');
  });
});

describe('translateGcpError', () => {
  const grpc = (code: number, details = 'boom') =>
    Object.assign(new Error(`${code} X: ${details}`), { code, details });
  it.each([
    [5, NotFoundError],
    [6, ConflictError],
    [10, ConflictError],
    [9, ConflictError],
    [3, ValidationError],
    [7, ForbiddenError],
    [8, UnavailableError],
    [14, UnavailableError],
    [4, UnavailableError],
  ] as const)('gRPC code %i', (code, Kind) => {
    const error = translateGcpError(grpc(code), 'TaskExecutor.startTask', 'job j');
    expect(Kind.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/^\[gcp-cloudrun\] TaskExecutor\.startTask: job j: /);
    expect((error as Error).cause).toBeDefined();
  });
});

describe('options', () => {
  it('project and region fall back to the environment; a bad one names the key', () => {
    const options = parseGcpOptions(
      {},
      { GOOGLE_CLOUD_PROJECT: 'acme', TASKPORT_GCP_REGION: 'europe-west1' },
    );
    expect(options).toMatchObject({ project: 'acme', region: 'europe-west1', labelPrefix: 'taskport' });
    expect(() => parseGcpOptions({ project: 'acme' })).toThrow(/gcp-cloudrun\.region/);
    expect(() => parseGcpOptions({ project: 'acme', region: 'eu' })).toThrow(ConfigurationError);
    expect(() =>
      parseGcpOptions({ project: 'acme', region: 'europe-west1', network: { connector: 'c', network: 'n' } }),
    ).toThrow(/either connector/);
    expect(() => parseGcpOptions({ project: 'acme', region: 'europe-west1', regoin: 'x' })).toThrow(
      /gcp-cloudrun\.regoin is not an option/,
    );
  });

  it('a loopback endpoint is spoken to without TLS; none means the Google endpoints and ADC', () => {
    const local = gcpClientOptions(
      parseGcpOptions({ project: 'p1', region: 'us-central1', endpoint: '127.0.0.1:8085' }),
    );
    expect(local).toMatchObject({ apiEndpoint: '127.0.0.1', port: 8085, universeDomain: 'googleapis.com' });
    expect(local.sslCreds).toBeDefined();
    const cloud = gcpClientOptions(
      parseGcpOptions({ project: 'p1', region: 'us-central1', credentials: { keyFile: '/k.json' } }),
    );
    expect(cloud).toMatchObject({ projectId: 'p1', keyFilename: '/k.json' });
    expect(cloud.sslCreds).toBeUndefined();
  });
});

describe('jobIdFor', () => {
  it('is a valid Cloud Run job name, deterministic, and distinct per ImageID', () => {
    const long = `ghcr.io/${'a'.repeat(80)}/app:1-0123abcd`;
    for (const id of ['alpine:3.20-0123abcd', long, 'quay.io/x/y:1-deadbeef']) {
      const name = jobIdFor(id, 'taskport');
      expect(name).toMatch(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])$/);
      expect(jobIdFor(id, 'taskport')).toBe(name);
    }
    expect(jobIdFor('ghcr.io/a/x:1-00000000', 'tp')).not.toBe(jobIdFor('quay.io/a/x:1-00000000', 'tp'));
  });
});
