import type { Command } from '../command.js';
import { imageTable, terminalWidth } from '../output/execution-view.js';
import { imageJson, toJsonDocument } from '../output/json.js';

export const command: Command = {
  name: 'images list',
  summary: 'List registered images, the default first.',
  usage: 'images list [--json]',
  options: { json: { type: 'boolean', description: 'print {"images": [<image>...]} as JSON' } },
  maxPositionals: 0,
  examples: ['taskport images list', "taskport images list --json | jq -r '.images[].imageId'"],
  run: async ({ values }, context) => {
    const taskport = await context.open();
    const images = await taskport.service.listImages();
    if (values.json) {
      context.stdout.write(toJsonDocument({ images: images.map(imageJson) }));
    } else if (images.length === 0) {
      context.stderr.write(
        "no images registered; add one with 'taskport images register <image> --default'\n",
      );
    } else {
      context.stdout.write(imageTable(context.out, images, terminalWidth(context.stdout)));
    }
    return 0;
  },
};
