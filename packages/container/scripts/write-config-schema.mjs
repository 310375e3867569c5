#!/usr/bin/env node
// Writes docs/taskport.schema.json (the JSON Schema of taskport.yaml) from the built providers' option
// schemas. Runs as the last step of this package's build, so the file always matches the code.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploymentJsonSchema } from '../dist/deployment-schema.js';

const target = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'docs',
  'taskport.schema.json',
);
writeFileSync(target, `${JSON.stringify(await deploymentJsonSchema(), null, 2)}\n`);
