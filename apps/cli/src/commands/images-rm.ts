import type { Command } from '../command.js';
import { requireId } from './shared.js';

export const command: Command = {
  name: 'images rm',
  summary: 'Remove a registered image and what the provider created for it.',
  usage: 'images rm <image-id|name>',
  details: 'Removing the default image leaves no default; runs without --image then fail until you set one.',
  options: {},
  maxPositionals: 1,
  examples: ['taskport images rm alpine:3.20-1a2b3c4d'],
  run: async ({ positionals }, context) => {
    const ref = requireId('images rm', positionals[0], 'image-id|name');
    const taskport = await context.open();
    // Removed by the ref as given: a name that matches several images is refused by the registry
    // (it lists their ids) rather than guessed.
    await taskport.service.removeImage(ref);
    context.stdout.write(`removed ${ref}\n`);
    return 0;
  },
};
