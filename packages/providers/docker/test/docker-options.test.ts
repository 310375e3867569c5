import { ConfigurationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { parseDockerHost, parseDockerOptions, taskportProvider } from '../src/index.js';

describe('parseDockerOptions', () => {
  it('defaults, then environment, then arguments', () => {
    expect(parseDockerOptions({}, {})).toMatchObject({
      host: 'unix:///var/run/docker.sock',
      tls: false,
      apiVersion: '1.41',
      pullPolicy: 'missing',
      secrets: 'stdin',
      killGraceSeconds: 10,
      logDriver: 'json-file',
      retentionHours: 168,
    });
    const fromEnv = parseDockerOptions({}, { DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' });
    expect(fromEnv).toMatchObject({ host: 'tcp://127.0.0.1:2376', tls: true });
    expect(parseDockerOptions({ host: 'unix:///x.sock' }, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }).host).toBe(
      'unix:///x.sock',
    );
    expect(parseDockerOptions({ killGraceSeconds: '3' }, {}).killGraceSeconds).toBe(3);
  });

  it('names the key and what to do for bad input', () => {
    for (const [raw, text] of [
      [{ pullPolicy: 'sometimes' }, 'docker.pullPolicy'],
      [{ killGraceSeconds: -1 }, 'docker.killGraceSeconds'],
      [{ hots: 'x' }, 'did you mean "host"'],
      [{ host: 'ssh://me@box' }, 'forward the socket'],
      [{ workingDir: 'relative' }, 'absolute path'],
    ] as const) {
      let error: unknown;
      try {
        parseDockerOptions(raw, {});
      } catch (caught) {
        error = caught;
      }
      expect(ConfigurationError.isInstance(error), JSON.stringify(raw)).toBe(true);
      expect((error as Error).message).toContain(text);
    }
  });

  it('the provider package builds both adapters without touching the engine', async () => {
    const options = parseDockerOptions({ host: 'unix:///nonexistent/docker.sock' }, {});
    const deps = { env: {} };
    const executor = taskportProvider.factories.taskExecutor!(options, deps);
    const logs = taskportProvider.factories.logAggregator!(options, deps);
    expect([executor.provider, logs.provider]).toEqual(['docker', 'docker']);
    expect(executor.capabilities).toEqual({
      killWhileStarting: true,
      nativeTimeout: true,
      runsImages: true,
      workingDir: true,
      stdin: true,
      stopSignal: true,
      stopGracePeriod: true,
    });
    expect(typeof executor.attachStdin, 'capabilities.stdin comes with attachStdin').toBe('function');
    await (executor as unknown as { close(): Promise<void> }).close();
    await (logs as unknown as { close(): Promise<void> }).close();
  });
});

describe('parseDockerHost', () => {
  it('reads the DOCKER_HOST forms', () => {
    expect(parseDockerHost('unix:///run/user/1000/podman/podman.sock')).toMatchObject({
      kind: 'unix',
      socketPath: '/run/user/1000/podman/podman.sock',
    });
    expect(parseDockerHost('tcp://10.0.0.2:2376', true)).toMatchObject({
      kind: 'tcp',
      host: '10.0.0.2',
      port: 2376,
      tls: true,
    });
    expect(parseDockerHost('tcp://[::1]')).toMatchObject({ host: '::1', port: 2375, tls: false });
  });
});
