import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  builtInSectionSchemas,
  deploymentFileSchema,
  deploymentJsonSchema,
} from '../src/deployment-schema.js';

const committed = JSON.parse(
  readFileSync(new URL('../../../docs/taskport.schema.json', import.meta.url), 'utf8'),
) as { properties: Record<string, { properties?: Record<string, unknown> }>; additionalProperties: boolean };

describe('the JSON Schema of taskport.yaml', () => {
  it('is what the build wrote into docs/taskport.schema.json', async () => {
    expect(committed).toEqual(await deploymentJsonSchema());
  });

  it('has a strict section per installed built-in provider with its options, and the five ports', () => {
    expect(committed.additionalProperties).toBe(false);
    expect(Object.keys(committed.properties)).toEqual(
      expect.arrayContaining(['providers', 'local', 'aws', 'memory']),
    );
    expect(Object.keys(committed.properties.providers!.properties!)).toEqual([
      'taskExecutor',
      'imageRegistry',
      'logAggregator',
      'backendObservability',
      'executionStore',
    ]);
    expect(Object.keys(committed.properties.aws!.properties!)).toEqual(
      expect.arrayContaining(['region', 'cluster', 'subnets']),
    );
  });

  it('accepts a valid file and rejects typos, as an editor using it would', async () => {
    const schema = deploymentFileSchema(await builtInSectionSchemas());
    const ok = (input: unknown) => v.safeParse(schema, input).success;
    expect(
      ok({
        providers: { taskExecutor: 'aws', imageRegistry: { provider: 'local', options: {} } },
        aws: { region: 'eu-west-1', cluster: 'jobs' },
      }),
    ).toBe(true);
    expect(ok({ provider: { taskExecutor: 'aws' } })).toBe(false);
    expect(ok({ aws: { region: 'eu-west-1', clustr: 'jobs' } })).toBe(false);
    expect(ok({ providers: { taskExecutor: 'nomad' } })).toBe(false);
    expect(ok({ providers: { taskExecutor: '@acme/taskport-nomad' } })).toBe(true);
  });
});
