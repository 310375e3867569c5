import { ApiException, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { canonicalImageConfig, commandArgv, toImageInfo } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS,
  buildJob,
  cpuQuantity,
  describeJob,
  executionConfigMapName,
  fingerprintOf,
  jobNameFor,
  memoryQuantity,
  parseKubernetesOptions,
  translateKubernetesError,
} from '../src/index.js';
import { attachPath, channelFrame, closeStdinFrame } from '../src/pod-attach.js';
import { parseKubeletTime, parseLogLine } from '../src/pod-log-reader.js';

/* Pure mappings, checked without a cluster: Job/pod state to status, quantities, names, errors, options. */

const at = '2026-12-01T10:00:00Z';
const job = (status: V1Job['status'] = {}, annotations: Record<string, string> = {}): V1Job => ({
  metadata: { name: 'taskport-0123456789abcdef', namespace: 'ns', annotations },
  spec: { activeDeadlineSeconds: 5, template: {} },
  status,
});
const pod = (state: object, phase = 'Running'): V1Pod => ({
  metadata: { name: 'p', creationTimestamp: new Date(at) },
  status: {
    phase,
    containerStatuses: [{ name: 'task', state, image: 'x', imageID: '', ready: false, restartCount: 0 }],
  },
});
const cond = (type: string, reason?: string) => ({
  type,
  status: 'True',
  ...(reason ? { reason } : {}),
  lastTransitionTime: new Date(at),
});
const terminated = (exitCode: number) => ({
  terminated: {
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    startedAt: new Date(at),
    finishedAt: new Date('2026-12-01T10:00:02Z'),
  },
});

describe('describeJob', () => {
  it('is STARTING without pods, RUNNING with a running container', () => {
    expect(describeJob(job(), [], 'task').status).toBe('STARTING');
    const running = describeJob(job(), [pod({ running: { startedAt: new Date(at) } })], 'task');
    expect(running).toMatchObject({
      status: 'RUNNING',
      exitCode: null,
      startedAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('maps exit codes, and a terminated pod is final before the Job controller catches up', () => {
    expect(describeJob(job(), [pod(terminated(3), 'Failed')], 'task')).toMatchObject({
      status: 'FAILED',
      exitCode: 3,
      stopCode: 'EXITED',
    });
    expect(
      describeJob(job({ conditions: [cond('Complete')] }), [pod(terminated(0), 'Succeeded')], 'task'),
    ).toMatchObject({
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EXITED',
      stoppedAt: '2026-12-01T10:00:02.000Z',
    });
  });

  it('tells a kill from a timeout by the stop-requested annotation', () => {
    const deadline = {
      conditions: [cond('FailureTarget', 'DeadlineExceeded'), cond('Failed', 'DeadlineExceeded')],
    };
    expect(describeJob(job(deadline), [], 'task')).toMatchObject({ status: 'FAILED', stopCode: 'TIMED_OUT' });
    expect(describeJob(job(deadline, { [ANNOTATIONS.stopRequestedAt]: at }), [], 'task')).toMatchObject({
      status: 'STOPPED',
      stopCode: 'USER_INITIATED',
    });
    // Decided but the pod still terminating: not final yet.
    const target = { conditions: [cond('FailureTarget', 'DeadlineExceeded')] };
    expect(describeJob(job(target), [pod({ running: { startedAt: new Date(at) } })], 'task').status).toBe(
      'TERMINATING',
    );
  });

  it('reports a pod that cannot pull its image as FAILED_TO_START once the Job is marked so', () => {
    const marked = job(
      { conditions: [cond('FailureTarget', 'DeadlineExceeded')] },
      { [ANNOTATIONS.failedToStart]: 'ErrImagePull: not found' },
    );
    expect(
      describeJob(marked, [pod({ waiting: { reason: 'ErrImagePull' } }, 'Pending')], 'task'),
    ).toMatchObject({
      status: 'FAILED',
      stopCode: 'FAILED_TO_START',
      reason: 'ErrImagePull: not found',
      exitCode: null,
    });
  });
});

describe('job spec', () => {
  const options = parseKubernetesOptions({ namespace: 'jobs', kubeconfig: '/nonexistent' }, {});
  const image = toImageInfo(
    canonicalImageConfig({ image: 'alpine:3.20', resources: { cpu: 512, memory: 256 }, registeredBy: 'a' }),
  );

  it('puts the argv in args (the ENTRYPOINT stays), secrets by reference, and the limits', () => {
    const built = buildJob(options, {
      name: 'taskport-x',
      userEmail: 'a@b',
      request: {
        command: ['printf', '%s\n', '$HOME'],
        image: '',
        env: { A: '1' },
        secrets: { S: 'v' },
        timeoutSeconds: 9,
        labels: {},
        idempotencyKey: undefined,
        workingDir: undefined,
        interactive: false,
      },
      image,
      requestId: 'r',
      fingerprint: 'f',
    });
    const container = built.spec!.template.spec!.containers[0]!;
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(['printf', '%s\n', '$HOME']);
    expect(container.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'S', valueFrom: { secretKeyRef: { name: 'taskport-x-env', key: 'S', optional: false } } },
    ]);
    expect(JSON.stringify(built)).not.toContain('"v"');
    expect(container.resources!.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    expect(built.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 9,
      ttlSecondsAfterFinished: 3600,
    });
    expect(commandArgv('echo hi')).toEqual(['/bin/sh', '-c', 'echo hi']);
  });

  const request = (extra: { workingDir?: string; interactive?: boolean } = {}) => ({
    command: 'cat',
    image: '',
    env: {},
    secrets: {},
    timeoutSeconds: undefined,
    labels: {},
    idempotencyKey: undefined,
    workingDir: extra.workingDir,
    interactive: extra.interactive ?? false,
  });
  const containerOf = (extra: { workingDir?: string; interactive?: boolean } = {}) =>
    buildJob(options, {
      name: 'taskport-x',
      userEmail: 'a@b',
      request: request(extra),
      image,
      requestId: 'r',
      fingerprint: 'f',
    }).spec!.template.spec!.containers[0]!;

  it('sets the container workingDir, and opens stdin for one attach only when interactive', () => {
    const plain = containerOf();
    expect(plain.workingDir).toBeUndefined();
    expect(plain.stdin).toBeUndefined();
    expect(plain.stdinOnce).toBeUndefined();
    const chosen = containerOf({ workingDir: '/srv/data dir', interactive: true });
    expect(chosen.workingDir).toBe('/srv/data dir');
    expect(chosen).toMatchObject({ stdin: true, stdinOnce: true, tty: false });
    expect(containerOf({ interactive: false }).stdin).toBeUndefined();
  });

  it('fingerprints workingDir and interactive only when used (older Jobs keep theirs)', () => {
    const user = 'a@b';
    const plain = fingerprintOf(user, request(), image);
    expect(fingerprintOf(user, { ...request(), interactive: false }, image)).toBe(plain);
    const inDir = fingerprintOf(user, request({ workingDir: '/srv' }), image);
    const interactive = fingerprintOf(user, request({ interactive: true }), image);
    expect(new Set([plain, inDir, interactive]).size).toBe(3);
    expect(fingerprintOf(user, request({ workingDir: '/tmp' }), image)).not.toBe(inDir);
  });

  it('frames stdin for the channel protocol, and attaches to stdin only', () => {
    expect([...channelFrame(0, new TextEncoder().encode('hi'))]).toEqual([0, 104, 105]);
    expect([...closeStdinFrame()]).toEqual([255, 0]);
    const path = attachPath({ namespace: 'jobs', pod: 'taskport-x-abcde', container: 'task' });
    expect(path.split('?')[0]).toBe('/api/v1/namespaces/jobs/pods/taskport-x-abcde/attach');
    expect(Object.fromEntries(new URLSearchParams(path.split('?')[1]))).toEqual({
      container: 'task',
      stdin: 'true',
      stdout: 'false',
      stderr: 'false',
      tty: 'false',
    });
  });

  it('derives Job names from the idempotency key, and quantities from the units', () => {
    expect(jobNameFor(options, 'k1')).toBe(jobNameFor(options, 'k1'));
    expect(jobNameFor(options, 'k1')).not.toBe(jobNameFor(options, 'k2'));
    expect(jobNameFor(options)).toMatch(/^taskport-[0-9a-f]{16}$/);
    expect([cpuQuantity(1024), cpuQuantity(256), cpuQuantity(1), memoryQuantity(512)]).toEqual([
      '1000m',
      '250m',
      '1m',
      '512Mi',
    ]);
  });

  it('names execution ConfigMaps so that name order is newest first', () => {
    const older = executionConfigMapName({ executionId: 'a', createdAt: '2026-01-01T00:00:00.000Z' });
    const newer = executionConfigMapName({ executionId: 'b', createdAt: '2026-01-01T00:00:00.001Z' });
    expect(newer < older).toBe(true);
  });
});

describe('errors and options', () => {
  it('translates API statuses into TaskportErrors that name the port operation', () => {
    const status = (code: number, reason: string) =>
      new ApiException(
        code,
        'x',
        JSON.stringify({ kind: 'Status', code, reason, message: `msg ${code}` }),
        {},
      );
    const cases: Array<[number, string, string]> = [
      [404, 'NotFound', 'NOT_FOUND'],
      [409, 'AlreadyExists', 'CONFLICT'],
      [403, 'Forbidden', 'FORBIDDEN'],
      [401, 'Unauthorized', 'UNAUTHORIZED'],
      [422, 'Invalid', 'VALIDATION'],
      [429, 'TooManyRequests', 'UNAVAILABLE'],
      [503, 'ServiceUnavailable', 'UNAVAILABLE'],
    ];
    for (const [code, reason, expected] of cases) {
      const error = translateKubernetesError(status(code, reason), 'TaskExecutor.startTask') as Error & {
        code: string;
      };
      expect(error.code, String(code)).toBe(expected);
      expect(error.message).toMatch(/^\[kubernetes\] TaskExecutor\.startTask: /);
    }
  });

  it('rejects bad options with a ConfigurationError naming the key', () => {
    expect(() => parseKubernetesOptions({ namespace: 'Not_A_Label' }, {})).toThrow(/kubernetes\.namespace/);
    expect(() => parseKubernetesOptions({ unknownKey: 1 }, {})).toThrow(
      /ConfigurationError|unknownKey|Unrecognized/,
    );
    expect(
      parseKubernetesOptions({}, { TASKPORT_KUBERNETES_NAMESPACE: 'from-env', KUBECONFIG: '/nonexistent' })
        .namespace,
    ).toBe('from-env');
  });

  it('parses kubelet timestamps with nanoseconds to milliseconds', () => {
    expect(parseKubeletTime('2026-12-01T10:00:00.123456789Z')).toBe(Date.parse('2026-12-01T10:00:00.123Z'));
    expect(parseLogLine('2026-12-01T10:00:01Z hello world')).toMatchObject({
      message: 'hello world',
      raw: '2026-12-01T10:00:01Z',
    });
  });
});
