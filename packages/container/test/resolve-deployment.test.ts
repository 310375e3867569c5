import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { findConfigFile, readConfigFile } from '../src/read-config-file.js';
import { resolvePorts, resolveRetention } from '../src/resolve-deployment.js';

describe('resolvePorts', () => {
  it('makes every port local when there is no config at all', () => {
    const ports = resolvePorts({ file: {}, env: {} });
    expect(Object.values(ports).map((p) => [p.provider, p.source])).toEqual(
      Array(5).fill(['local', 'default']),
    );
  });

  it('takes the file choice per port and merges the provider section with per-port options', () => {
    const ports = resolvePorts({
      file: {
        providers: {
          taskExecutor: 'aws',
          imageRegistry: { provider: 'local', options: { dataDir: '/images' } },
        },
        aws: { region: 'eu-west-1' },
        local: { dataDir: '/data', killGraceMs: 5 },
      },
      env: {},
    });
    expect(ports.taskExecutor).toEqual({
      provider: 'aws',
      rawOptions: { region: 'eu-west-1' },
      source: 'file',
    });
    expect(ports.imageRegistry).toEqual({
      provider: 'local',
      rawOptions: { dataDir: '/images', killGraceMs: 5 },
      source: 'file',
    });
    expect(ports.executionStore).toMatchObject({
      provider: 'local',
      source: 'default',
      rawOptions: { dataDir: '/data' },
    });
  });

  it('lets the environment override the file, a per-port variable over the all-ports one', () => {
    const ports = resolvePorts({
      file: { providers: { taskExecutor: 'local' } },
      env: { TASKPORT_PROVIDER: 'aws', TASKPORT_EXECUTION_STORE: 'local' },
    });
    expect(ports.taskExecutor).toMatchObject({ provider: 'aws', source: 'env' });
    expect(ports.executionStore).toMatchObject({ provider: 'local', source: 'env' });
  });

  it('lets caller overrides win over the file section', () => {
    const ports = resolvePorts({
      file: { local: { dataDir: '/file' } },
      env: {},
      overrides: { local: { dataDir: '/flag' } },
    });
    expect(ports.logAggregator.rawOptions).toEqual({ dataDir: '/flag' });
  });

  it('rejects an unknown port naming the key and the allowed ports', () => {
    expect(() =>
      resolvePorts({ file: { providers: { executor: 'aws' } }, env: {}, configFile: '/x.yaml' }),
    ).toThrow(/unknown port "providers.executor" in \/x.yaml; the ports are taskExecutor, imageRegistry/);
  });

  it('rejects an unknown provider naming where it came from and the allowed values', () => {
    const attempt = () => resolvePorts({ file: {}, env: { TASKPORT_TASK_EXECUTOR: 'azure' } });
    expect(attempt).toThrow(
      /unknown provider "azure" for taskExecutor \(environment variable TASKPORT_TASK_EXECUTOR\); use one of local, aws/,
    );
    let caught: unknown;
    try {
      attempt();
    } catch (error) {
      caught = error;
    }
    expect(ConfigurationError.isInstance(caught)).toBe(true);
  });

  it('accepts a package specifier as a provider for third-party adapters', () => {
    const ports = resolvePorts({ file: { providers: { taskExecutor: '@acme/taskport-nomad' } }, env: {} });
    expect(ports.taskExecutor.provider).toBe('@acme/taskport-nomad');
  });

  it('rejects malformed port choices and sections', () => {
    expect(() =>
      resolvePorts({ file: { providers: { taskExecutor: { provider: 'aws', region: 'x' } } }, env: {} }),
    ).toThrow(/unknown key "providers.taskExecutor.region"/);
    expect(() => resolvePorts({ file: { providers: { taskExecutor: 3 } }, env: {} })).toThrow(
      /must be a provider name/,
    );
    expect(() => resolvePorts({ file: { aws: 'eu-west-1' }, env: {} })).toThrow(/"aws" must be a mapping/);
  });
});

describe('config files', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'taskport-config-'));

  it('finds taskport.yaml in the working directory and parses YAML', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'taskport.yaml'), 'providers:\n  taskExecutor: aws\naws:\n  region: eu-west-1\n');
    const path = findConfigFile(undefined, { HOME: cwd }, cwd);
    expect(path).toBe(join(cwd, 'taskport.yaml'));
    expect(await readConfigFile(path!)).toEqual({
      providers: { taskExecutor: 'aws' },
      aws: { region: 'eu-west-1' },
    });
  });

  it('finds taskport.yaml in a directory above the working directory, as git finds .git; the nearest wins', () => {
    const root = dir();
    writeFileSync(join(root, 'taskport.yaml'), 'providers:\n  taskExecutor: aws\n');
    const deep = join(root, 'src', 'pkg', 'deep');
    mkdirSync(deep, { recursive: true });
    expect(findConfigFile(undefined, { HOME: root }, deep)).toBe(join(root, 'taskport.yaml'));
    writeFileSync(join(root, 'src', 'taskport.json'), '{}');
    expect(findConfigFile(undefined, { HOME: root }, deep)).toBe(join(root, 'src', 'taskport.json'));
  });

  it('finds nothing when there is no file, which means all-local', () => {
    const cwd = dir();
    expect(findConfigFile(undefined, { HOME: cwd }, cwd)).toBeUndefined();
  });

  it('fails for an explicit path that does not exist', () => {
    expect(() => findConfigFile('missing.yaml', {}, dir())).toThrow(/missing.yaml does not exist/);
    expect(() => findConfigFile(undefined, { TASKPORT_CONFIG: 'nope.json' }, dir())).toThrow(
      /in TASKPORT_CONFIG/,
    );
  });

  it('reports invalid YAML and non-mapping documents as configuration errors', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'bad.yaml'), 'providers: [unclosed\n');
    await expect(readConfigFile(join(cwd, 'bad.yaml'))).rejects.toThrow(/is not valid YAML/);
    writeFileSync(join(cwd, 'list.json'), '[1,2]');
    await expect(readConfigFile(join(cwd, 'list.json'))).rejects.toThrow(/must hold a mapping/);
  });
});

describe('resolveRetention', () => {
  it('is 30 days by default, the file value otherwise, and TASKPORT_RETENTION over both', () => {
    expect(resolveRetention({ file: {}, env: {} })).toEqual({
      text: '30d',
      seconds: 30 * 86400,
      source: 'default',
    });
    expect(resolveRetention({ file: { retention: '1d12h' }, env: {} })).toEqual({
      text: '1d12h',
      seconds: 36 * 3600,
      source: 'file',
    });
    expect(resolveRetention({ file: { retention: '1d' }, env: { TASKPORT_RETENTION: 'off' } })).toEqual({
      text: 'off',
      seconds: null,
      source: 'env',
    });
  });

  it.each([['5m'], ['soon'], [''], ['-1d']])(
    'refuses %j, naming where it came from and the forms',
    (text) => {
      expect(() =>
        resolveRetention({ file: { retention: text }, configFile: '/srv/taskport.yaml', env: {} }),
      ).toThrow(
        /retention in \/srv\/taskport.yaml ".*" is not a retention period; use e.g. 30d, 7d, 12h \(at least 1h\), or off/,
      );
    },
  );

  it('refuses a period that is not text, and keeps retention out of the provider sections', () => {
    expect(() => resolveRetention({ file: { retention: 30 }, env: {} })).toThrow(
      /must be a period such as 30d/,
    );
    expect(() => resolvePorts({ file: { retention: '7d' }, env: {} })).not.toThrow();
    expect(() => resolvePorts({ file: { retentoin: '7d' }, env: {} })).toThrow(
      /unknown section "retentoin"; did you mean "?retention"?/,
    );
  });
});
