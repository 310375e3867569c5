import { ConfigurationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { parseDockerHost, parseDockerOptions } from '../src/index.js';

describe('parseDockerOptions', () => {
  it('defaults, then environment, then arguments', () => {
    expect(parseDockerOptions({}, {})).toMatchObject({
      host: 'unix:///var/run/docker.sock',
      apiVersion: '1.41',
      pullPolicy: 'missing',
      secrets: 'stdin',
      killGraceSeconds: 10,
      logDriver: 'json-file',
    });
    expect(parseDockerOptions({}, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }).host).toBe('tcp://127.0.0.1:2375');
    expect(parseDockerOptions({ host: 'unix:///x.sock' }, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }).host).toBe(
      'unix:///x.sock',
    );
  });

  it('names the key and what to do for bad input', () => {
    for (const [raw, text] of [
      [{ pullPolicy: 'sometimes' }, 'docker.pullPolicy must be one of missing, always, never'],
      [{ killGraceSeconds: -1 }, 'docker.killGraceSeconds'],
      [{ hots: 'x' }, 'docker.hots is not a docker option'],
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
