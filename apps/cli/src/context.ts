import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type OptionValues, stringOption } from './args.js';
import { createStyle, type Style } from './output/colour.js';
import type { CliTaskport } from './remote/taskport-api.js';

/** What every command gets: the global options, the output streams and a lazy handle on taskport. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  /** The terminal's or the pipe's input, for `run -i`. */
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Styling for stdout (tables, fields) and for stderr (progress, errors). */
  readonly out: Style;
  readonly err: Style;
  /**
   * Opens taskport: the configured provider mix in-process (loads the container and only the providers
   * the config names), or the server given by --server / TASKPORT_SERVER / `taskport login`.
   */
  open(): Promise<CliTaskport>;
  /** Who runs the command, for `createdBy`/`registeredBy`. */
  user(): string;
  /** Closes taskport if it was opened. */
  close(): Promise<void>;
}

export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  /** A taskport server to send commands to (remote mode). */
  server?: string;
  noColor: boolean;
}

export function globalOptionsOf(values: OptionValues, env: NodeJS.ProcessEnv): GlobalOptions {
  const dataDir = stringOption(values, 'data-dir');
  const config = stringOption(values, 'config') ?? emptyToUndefined(env.TASKPORT_CONFIG);
  const server = stringOption(values, 'server');
  return {
    ...(dataDir ? { dataDir: resolve(dataDir) } : {}),
    ...(config ? { config: resolve(config) } : {}),
    ...(server ? { server } : {}),
    noColor: values['no-color'] === true,
  };
}

export function createContext(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): CliContext {
  let opened: Promise<CliTaskport> | undefined;
  return {
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    out: createStyle(process.stdout, env, globals.noColor),
    err: createStyle(process.stderr, env, globals.noColor),
    open() {
      opened ??= import('./remote/open-remote.js').then(async ({ openRemote }) => {
        const remote = await openRemote(globals.server, env);
        if (remote) return remote;
        const [{ createTaskport }, { registerBundledProviders }] = await Promise.all([
          import('@taskport/container'),
          import('./providers.js'),
        ]);
        registerBundledProviders();
        return createTaskport({
          env,
          cwd: process.cwd(),
          ...(globals.config ? { configPath: globals.config } : {}),
          ...(globals.dataDir ? { overrides: { local: { dataDir: globals.dataDir } } } : {}),
        });
      });
      return opened;
    },
    user() {
      const fromEnv = emptyToUndefined(env.TASKPORT_USER);
      if (fromEnv) return fromEnv;
      // `git config user.email` would cost a process spawn on every run; this is instant.
      try {
        return `${userInfo().username}@${hostname()}`;
      } catch {
        return `unknown@${hostname()}`;
      }
    },
    async close() {
      if (!opened) return;
      const taskport = await opened.catch(() => undefined);
      if (!taskport) return;
      // A logger that ships lines in batches (AWS) sends the rest now; it never fails the command.
      const logger = taskport.service.backendLogger?.();
      try {
        await logger?.close?.();
      } catch {
        // Shipping the Service's own lines never fails the command.
      }
      await taskport.close();
    },
  };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
