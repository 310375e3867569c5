import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { imageJson, toJsonDocument } from '../output/json.js';

export const command: Command = {
  name: 'images default',
  summary: 'Show the default image, or make <image> the only default.',
  usage: 'images default [<image-id|name>] [--json]',
  details:
    'The default image is used by runs without --image. Without an argument, prints the current default (exit 1 when there is none).',
  options: {
    json: { type: 'boolean', description: 'print the default image as JSON (null when there is none)' },
  },
  maxPositionals: 1,
  examples: ['taskport images default', 'taskport images default alpine:3.20'],
  run: async ({ values, positionals }, context) => {
    const ref = positionals[0]?.trim();
    const taskport = await context.open();
    const info = ref ? await taskport.service.setDefaultImage(ref) : await taskport.service.getDefaultImage();
    if (values.json) {
      context.stdout.write(toJsonDocument(info ? imageJson(info) : null));
    } else if (info) {
      context.stdout.write(`${info.imageId}${ref ? context.out.dim(' is now the default') : ''}\n`);
    } else {
      context.stderr.write("no default image; set one with 'taskport images default <image>'\n");
    }
    return info ? 0 : EXIT.FAILURE;
  },
};
