import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Sandbox } from './helpers/sandbox.js';

// The CLI only talks to the container and the Service, so a config file changes the provider behind a
// command and nothing else. These tests name the aws provider for the ImageRegistry and point it at a
// local HTTP server that counts requests: validation must happen before any AWS call.

let sandbox: Sandbox;
let server: Server;
let requests: number;
let config: string;

beforeEach(async () => {
  sandbox = await Sandbox.create();
  requests = 0;
  server = createServer((_request, response) => {
    requests++;
    response.writeHead(500).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  config = join(sandbox.root, 'taskport.yaml');
  await writeFile(
    config,
    [
      'providers: { imageRegistry: aws }',
      `aws: { region: us-east-1, cluster: jobs, subnets: [subnet-1], securityGroups: [sg-1], endpoint: "http://127.0.0.1:${port}" }`,
      '',
    ].join('\n'),
  );
});

afterEach(async () => {
  server.close();
  await sandbox.cleanup();
});

it('config show names the aws registry, from the file', async () => {
  const shown = await sandbox.json<{ ports: Record<string, { provider: string; source: string }> }>([
    '--config',
    config,
    'config',
    'show',
    '--json',
  ]);
  expect(shown.ports.imageRegistry).toEqual({ provider: 'aws', source: 'file' });
  expect(shown.ports.taskExecutor).toEqual({ provider: 'local', source: 'default' });
});

it('an invalid Fargate cpu/memory pair fails with exit 2 and one line, before any AWS call', async () => {
  const result = await sandbox.run([
    '--config',
    config,
    'images',
    'register',
    'alpine:3.20',
    '--cpu',
    '256',
    '--memory',
    '4096',
  ]);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/\[aws\].*4096.*256/);
  expect(requests).toBe(0);
});
