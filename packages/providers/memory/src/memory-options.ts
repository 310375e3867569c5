import { textSetting } from '@taskport/provider-utils';
import { z } from 'zod';

/**
 * The `memory:` section of taskport.yaml. Every port configured with the same `world` name shares one
 * in-memory world in the process (as the ports of one real provider share a backend).
 */
export const memoryOptionsSchema = z.strictObject({
  world: textSetting()
    .default('default')
    .meta({ description: 'Name of the in-memory world the ports share in this process.' }),
});

export type MemoryOptions = z.output<typeof memoryOptionsSchema>;

/** `memory.world` falls back to this variable. */
export const memoryOptionEnv = { world: 'TASKPORT_MEMORY_WORLD' } as const;

/** The light `@taskport/memory/options` entry. */
export { memoryOptionEnv as optionEnv, memoryOptionsSchema as optionsSchema };
