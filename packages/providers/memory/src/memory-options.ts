import { textSetting } from '@taskport/provider-utils';
import * as v from 'valibot';

/**
 * The `memory:` section of taskport.yaml. Every port configured with the same `world` name shares one
 * in-memory world in the process (as the ports of one real provider share a backend).
 */
export const memoryOptionsSchema = v.strictObject({
  world: v.optional(
    v.pipe(textSetting(), v.description('Name of the in-memory world the ports share in this process.')),
    'default',
  ),
});

export type MemoryOptions = v.InferOutput<typeof memoryOptionsSchema>;

/** `memory.world` falls back to this variable. */
export const memoryOptionEnv = { world: 'TASKPORT_MEMORY_WORLD' } as const;

/** The light `@taskport/memory/options` entry. */
export { memoryOptionEnv as optionEnv, memoryOptionsSchema as optionsSchema };
