import type { Command } from './command.js';

interface Entry {
  summary: string;
  load: () => Promise<{ command: Command }>;
}

/**
 * Every command, loaded lazily: `taskport --version` and `--help` import none of them, and a command
 * imports the container (and through it the providers) only when it runs.
 */
export const COMMANDS: Record<string, Entry> = {
  run: {
    summary: 'Run a command in a container, follow its logs, exit with its exit code',
    load: () => import('./commands/run.js'),
  },
  status: { summary: 'Show the status of an execution', load: () => import('./commands/status.js') },
  logs: {
    summary: 'Print the logs of an execution (--follow to stream)',
    load: () => import('./commands/logs.js'),
  },
  kill: { summary: 'Stop an execution', load: () => import('./commands/kill.js') },
  wait: {
    summary: 'Wait until an execution ends; exit with its exit code',
    load: () => import('./commands/wait.js'),
  },
  list: { summary: 'List executions, newest first', load: () => import('./commands/list.js') },
  rm: { summary: 'Remove finished executions and their output', load: () => import('./commands/rm.js') },
  prune: {
    summary: 'Remove finished executions older than a duration (retention)',
    load: () => import('./commands/prune.js'),
  },
  reconcile: {
    summary: 'Bring every unfinished execution up to date with its provider (for cron)',
    load: () => import('./commands/reconcile.js'),
  },
  trace: {
    summary: "Show taskport's own log lines and executions for a request id",
    load: () => import('./commands/trace.js'),
  },
  'images register': {
    summary: 'Register an image with its cpu, memory, platform and roles',
    load: () => import('./commands/images-register.js'),
  },
  'images list': { summary: 'List registered images', load: () => import('./commands/images-list.js') },
  'images show': { summary: 'Show one registered image', load: () => import('./commands/images-show.js') },
  'images rm': { summary: 'Remove a registered image', load: () => import('./commands/images-rm.js') },
  'images default': {
    summary: 'Show or set the default image',
    load: () => import('./commands/images-default.js'),
  },
  'aws setup': {
    summary: 'Create the tables, log groups and cluster the aws config names (--dry-run: the plan)',
    load: () => import('./commands/aws-setup.js'),
  },
  'config show': {
    summary: 'Show the provider of each port and where each value came from',
    load: () => import('./commands/config-show.js'),
  },
  // The server and its clients (remote mode).
  server: { summary: 'Serve the taskport API over HTTP', load: () => import('./commands/server.js') },
  login: {
    summary: 'Use a taskport server from now on (keeps its API key)',
    load: () => import('./commands/login.js'),
  },
  logout: { summary: 'Forget the server of taskport login', load: () => import('./commands/logout.js') },
  'users create': {
    summary: 'Create a user on the server; print its API key once',
    load: () => import('./commands/users-create.js'),
  },
  'users list': { summary: 'List the users of the server', load: () => import('./commands/users-list.js') },
  'users revoke': { summary: 'Revoke a user and its keys', load: () => import('./commands/users-revoke.js') },
};

/** Commands that take a sub-command word. */
export const GROUPS: Record<string, string> = {
  images: 'Manage registered images',
  config: 'Inspect the deployment configuration',
  aws: 'Set up the AWS provider',
  users: 'Manage the users and API keys of a taskport server',
};
