import type { ImageConfig } from '@taskport/core';
import { parseInteger, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { imageJson, toJsonDocument } from '../output/json.js';
import { requireId } from './shared.js';

export const command: Command = {
  name: 'images register',
  summary: 'Register an image and how to run it; prints its image id.',
  usage:
    'images register <image> [--cpu N] [--memory MB] [--platform P] [--task-role R] [--execution-role R] [--default]',
  details: `The image id (<name>:<tag>-<hash>) covers the full reference and the configuration: registering the
same configuration again gives the same id and creates nothing new. The first image becomes the default.
CPU is in units of 1/1024 vCPU (1024 = 1 vCPU); each provider checks the pairs it supports (Fargate pairs on AWS)
before anything is created.`,
  options: {
    cpu: { type: 'string', value: 'N', description: 'CPU units, 1024 = 1 vCPU (default 256)' },
    memory: { type: 'string', value: 'MB', description: 'memory in MiB (default 512)' },
    platform: { type: 'string', value: 'P', description: 'linux/amd64 (default) or linux/arm64' },
    'task-role': {
      type: 'string',
      value: 'R',
      description: 'what the task may do: IAM role, GCP service account, k8s ServiceAccount',
    },
    'execution-role': {
      type: 'string',
      value: 'R',
      description: 'AWS only: role that pulls the image and writes logs',
    },
    default: { type: 'boolean', description: 'make it the default image' },
    json: { type: 'boolean', description: 'print the registered image as JSON' },
  },
  maxPositionals: 1,
  examples: [
    'taskport images register alpine:3.20 --default',
    'taskport images register ghcr.io/acme/etl:2.1 --cpu 1024 --memory 2048 --platform linux/arm64 --task-role etl-task',
  ],
  run: async ({ values, positionals }, context) => {
    const image = requireId('images register', positionals[0], 'image');
    const config: ImageConfig = { image, registeredBy: context.user() };
    const cpu = stringOption(values, 'cpu');
    const memory = stringOption(values, 'memory');
    if (cpu !== undefined || memory !== undefined) {
      config.resources = {
        ...(cpu !== undefined ? { cpu: parseInteger('--cpu', cpu, 1) } : {}),
        ...(memory !== undefined ? { memory: parseInteger('--memory', memory, 1) } : {}),
      };
    }
    const platform = stringOption(values, 'platform');
    if (platform !== undefined) config.runtime = { platform };
    const taskRole = stringOption(values, 'task-role');
    const executionRole = stringOption(values, 'execution-role');
    if (taskRole !== undefined || executionRole !== undefined) {
      config.permissions = {
        ...(taskRole !== undefined ? { taskRole } : {}),
        ...(executionRole !== undefined ? { executionRole } : {}),
      };
    }
    if (values.default === true) config.isDefault = true;

    const taskport = await context.open();
    const info = await taskport.service.registerImage(config);
    if (values.json) {
      context.stdout.write(toJsonDocument(imageJson(info)));
    } else {
      context.stdout.write(`${info.imageId}${info.isDefault ? context.out.dim(' (default)') : ''}\n`);
    }
    return 0;
  },
};
