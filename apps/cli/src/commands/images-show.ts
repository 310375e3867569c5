import type { Command } from '../command.js';
import { imageFields } from '../output/execution-view.js';
import { imageJson, toJsonDocument } from '../output/json.js';
import { requireId } from './shared.js';

export const command: Command = {
  name: 'images show',
  summary: 'Show one registered image, by image id or name.',
  usage: 'images show <image-id|name> [--json]',
  options: { json: { type: 'boolean', description: 'print the image as JSON' } },
  maxPositionals: 1,
  examples: ['taskport images show alpine:3.20', 'taskport images show alpine:3.20-1a2b3c4d --json'],
  run: async ({ values, positionals }, context) => {
    const ref = requireId('images show', positionals[0], 'image-id|name');
    const taskport = await context.open();
    const info = await taskport.service.getImage(ref);
    context.stdout.write(values.json ? toJsonDocument(imageJson(info)) : imageFields(context.out, info));
    return 0;
  },
};
