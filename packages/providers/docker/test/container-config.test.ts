import { describe, expect, it } from 'vitest';
import { type ContainerPlan, containerCreateBody } from '../src/container-config.js';
import { parseDockerOptions } from '../src/docker-options.js';
import { INTERACTIVE_SECRETS_PRELUDE, PRELUDE_NAME, SECRETS_PRELUDE } from '../src/secrets-stdin.js';

const options = parseDockerOptions({ networkMode: 'none', killGraceSeconds: 4 }, {});

function plan(overrides: Partial<ContainerPlan> = {}): ContainerPlan {
  return {
    reference: 'busybox:1',
    argv: ['sh', '-c', 'cat'],
    env: ['PLAIN=1'],
    labels: { 'taskport.managed': 'true' },
    interactive: false,
    secretsByPrelude: false,
    cpu: 256,
    memory: 512,
    ...overrides,
  };
}

describe('containerCreateBody', () => {
  it('sets WorkingDir from the request, falling back to the workingDir option, else leaves it to the image', () => {
    expect(containerCreateBody(plan({ workingDir: '/srv/app' }), options).WorkingDir).toBe('/srv/app');
    const withDefault = parseDockerOptions({ workingDir: '/work' }, {});
    expect(containerCreateBody(plan(), withDefault).WorkingDir).toBe('/work');
    expect(containerCreateBody(plan({ workingDir: '/srv/app' }), withDefault).WorkingDir).toBe('/srv/app');
    expect(containerCreateBody(plan(), options)).not.toHaveProperty('WorkingDir');
  });

  it('a task that is neither interactive nor given secrets on stdin has no stdin (it reads EOF at once)', () => {
    expect(containerCreateBody(plan(), options)).toMatchObject({
      OpenStdin: false,
      StdinOnce: false,
      AttachStdin: false,
      Tty: false,
      Cmd: ['sh', '-c', 'cat'],
    });
    expect(containerCreateBody(plan(), options)).not.toHaveProperty('Entrypoint');
  });

  it('an interactive task keeps stdin open for one attach, closed by the engine when it ends', () => {
    const body = containerCreateBody(plan({ interactive: true }), options);
    expect(body).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true, Tty: false });
    expect(body).not.toHaveProperty('Entrypoint');
  });

  it('secrets on stdin run the stdin prelude; with interactive the pipe prelude, in front of the image entrypoint', () => {
    const onStdin = containerCreateBody(
      plan({ secretsByPrelude: true, imageEntrypoint: ['/entry', '--flag'] }),
      options,
    );
    expect(onStdin).toMatchObject({ OpenStdin: true, StdinOnce: true });
    expect(onStdin.Entrypoint).toEqual(['/bin/sh', '-c', SECRETS_PRELUDE, PRELUDE_NAME, '/entry', '--flag']);
    const interactive = containerCreateBody(plan({ secretsByPrelude: true, interactive: true }), options);
    expect(interactive).toMatchObject({ OpenStdin: true, StdinOnce: true });
    expect(interactive.Entrypoint).toEqual(['/bin/sh', '-c', INTERACTIVE_SECRETS_PRELUDE, PRELUDE_NAME]);
    // The pipe prelude leaves stdin alone: it reads only from the pipe.
    expect(INTERACTIVE_SECRETS_PRELUDE).toContain('done < "$taskport_fifo"');
    expect(INTERACTIVE_SECRETS_PRELUDE).not.toContain('/dev/stdin');
  });

  it('keeps the stop timeout, limits, init and the never-privileged host config', () => {
    const body = containerCreateBody(plan(), options);
    expect(body).toMatchObject({
      StopTimeout: 4,
      HostConfig: {
        Init: true,
        NanoCpus: 250_000_000,
        Memory: 512 * 1024 * 1024,
        NetworkMode: 'none',
        Privileged: false,
        AutoRemove: false,
      },
    });
  });
});
