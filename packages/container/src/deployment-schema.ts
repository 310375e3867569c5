import { PORT_NAMES } from '@taskport/core';
import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { BUILT_IN_PROVIDERS, optionsModuleOf } from './provider-catalog.js';

/** A port's provider: a built-in name, a package specifier, or `{ provider, options }`. */
const providerName = v.pipe(
  v.union([
    v.picklist(Object.keys(BUILT_IN_PROVIDERS)),
    v.pipe(v.string(), v.regex(/^(@|\.|\/)|\//, 'a package specifier such as @acme/taskport-provider')),
  ]),
  v.description('A built-in provider or the package name of a third-party one.'),
);

const portChoice = v.union([
  providerName,
  v.strictObject({
    provider: providerName,
    options: v.optional(
      v.pipe(
        v.record(v.string(), v.unknown()),
        v.description("Options of this port's instance, merged over the provider's section."),
      ),
    ),
  }),
]);

/**
 * The schema of the whole `taskport.yaml` from the section schemas of the providers: `providers:` (one
 * choice per port) and one strict section per provider. The composition root validates each section with
 * its provider's own schema; this combined schema is what editors get as `docs/taskport.schema.json`.
 */
export function deploymentFileSchema(sections: Readonly<Record<string, v.GenericSchema>>) {
  return v.pipe(
    v.strictObject({
      $schema: v.optional(v.string()),
      retention: v.optional(
        v.pipe(
          v.string(),
          v.regex(/^(off|never|none|(\d+d)?(\d+h)?(\d+m)?(\d+s)?)$/i, 'a period such as 30d, 12h, or off'),
          v.description(
            'How long finished executions, their output and backend lines are kept (default 30d; off keeps everything). TASKPORT_RETENTION overrides it.',
          ),
        ),
      ),
      providers: v.optional(
        v.pipe(
          v.strictObject(Object.fromEntries(PORT_NAMES.map((port) => [port, v.optional(portChoice)]))),
          v.description('Which provider serves each port; every port not named is local.'),
        ),
      ),
      ...Object.fromEntries(Object.entries(sections).map(([name, schema]) => [name, v.optional(schema)])),
    }),
    v.title('taskport deployment configuration (taskport.yaml)'),
  );
}

/** The section schemas of the built-in providers that are installed (each from its light `./options` entry). */
export async function builtInSectionSchemas(): Promise<Record<string, v.GenericSchema>> {
  const sections: Record<string, v.GenericSchema> = {};
  for (const name of Object.keys(BUILT_IN_PROVIDERS)) {
    try {
      const module = (await import(optionsModuleOf(name)!)) as { optionsSchema?: v.GenericSchema };
      if (module.optionsSchema) sections[name] = module.optionsSchema;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  return sections;
}

/**
 * JSON Schema of `taskport.yaml` for editors, from the installed built-in providers. Transformations
 * (string-to-number coercion of environment values, path resolution) have no JSON Schema form and are left
 * out: the file is validated on the input side.
 */
export async function deploymentJsonSchema(): Promise<Record<string, unknown>> {
  const schema = deploymentFileSchema(await builtInSectionSchemas());
  return toJsonSchema(schema, { errorMode: 'ignore' }) as Record<string, unknown>;
}
