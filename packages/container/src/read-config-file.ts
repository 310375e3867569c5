import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigurationError } from '@taskport/core';

const NAMES = ['taskport.yaml', 'taskport.yml', 'taskport.json'];

/**
 * Finds the deployment config file: the explicit path, else `TASKPORT_CONFIG`, else the first
 * `taskport.{yaml,yml,json}` in the working directory or any directory above it (as git finds `.git`),
 * else `$XDG_CONFIG_HOME/taskport/config.{yaml,yml,json}`. No file is fine: every port is then `local`.
 * An explicit path that does not exist is an error.
 */
export function findConfigFile(
  explicitPath: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): string | undefined {
  const named = explicitPath ?? env.TASKPORT_CONFIG;
  if (named) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) {
      throw new ConfigurationError(
        `config file ${path} does not exist; fix the path${explicitPath ? '' : ' in TASKPORT_CONFIG'} or remove it to use the local defaults`,
      );
    }
    return path;
  }
  for (let dir = resolve(cwd); ; ) {
    const found = NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return ['config.yaml', 'config.yml', 'config.json']
    .map((name) => join(configHome, 'taskport', name))
    .find((path) => existsSync(path));
}

/** Reads and parses a YAML or JSON config file into a plain object. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read config file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    if (path.endsWith('.json')) {
      parsed = JSON.parse(text);
    } else {
      // Loaded only when a YAML file exists, to keep the no-config start-up path small.
      // A bundler may hand this CommonJS package over as its default export only (esbuild with code
      // splitting does), so take `parse` from either place.
      const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
      const parse = yaml.parse ?? yaml.default?.parse;
      if (!parse) throw new Error('the yaml package has no parse function');
      parsed = parse(text);
    }
  } catch (error) {
    throw new ConfigurationError(
      `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError(
      `config file ${path} must hold a mapping (providers:, then one section per provider)`,
    );
  }
  return parsed as Record<string, unknown>;
}
