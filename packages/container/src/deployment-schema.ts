import { PORT_NAMES } from '@taskport/core';
import { z } from 'zod';
import { BUILT_IN_PROVIDERS, optionsModuleOf } from './provider-catalog.js';

/** A port's provider: a built-in name, a package specifier, or `{ provider, options }`. */
const providerName = z
  .union([
    z.enum(Object.keys(BUILT_IN_PROVIDERS) as [string, ...string[]]),
    z.string().regex(/^(@|\.|\/)|\//, 'a package specifier such as @acme/taskport-provider'),
  ])
  .meta({ description: 'A built-in provider or the package name of a third-party one.' });

const portChoice = z.union([
  providerName,
  z.strictObject({
    provider: providerName,
    options: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "Options of this port's instance, merged over the provider's section." }),
  }),
]);

/**
 * The schema of the whole `taskport.yaml` from the section schemas of the providers: `providers:` (one
 * choice per port) and one strict section per provider. The composition root validates each section with
 * its provider's own schema; this combined schema is what editors get as `docs/taskport.schema.json`.
 */
export function deploymentFileSchema(sections: Readonly<Record<string, z.ZodType>>) {
  return z
    .strictObject({
      $schema: z.string().optional(),
      providers: z
        .strictObject(Object.fromEntries(PORT_NAMES.map((port) => [port, portChoice.optional()])))
        .optional()
        .meta({ description: 'Which provider serves each port; every port not named is local.' }),
      ...Object.fromEntries(Object.entries(sections).map(([name, schema]) => [name, schema.optional()])),
    })
    .meta({ title: 'taskport deployment configuration (taskport.yaml)' });
}

/** The section schemas of the built-in providers that are installed (each from its light `./options` entry). */
export async function builtInSectionSchemas(): Promise<Record<string, z.ZodType>> {
  const sections: Record<string, z.ZodType> = {};
  for (const name of Object.keys(BUILT_IN_PROVIDERS)) {
    try {
      const module = (await import(optionsModuleOf(name)!)) as { optionsSchema?: z.ZodType };
      if (module.optionsSchema) sections[name] = module.optionsSchema;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  return sections;
}

/** JSON Schema (draft 2020-12) of `taskport.yaml` for editors, from the installed built-in providers. */
export async function deploymentJsonSchema(): Promise<Record<string, unknown>> {
  const schema = deploymentFileSchema(await builtInSectionSchemas());
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}
