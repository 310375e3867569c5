import type { ResolvedConfig } from '@taskport/container';
import type { Command } from '../command.js';
import { toJsonDocument } from '../output/json.js';
import { renderTable } from '../output/table.js';

export const command: Command = {
  name: 'config show',
  summary: 'Show the provider of each port and where each value came from (file, env, argument, default).',
  usage: 'config show [--json]',
  details: `The config file is --config FILE, else TASKPORT_CONFIG, else the first taskport.yaml (or .yml,
.json) in the working directory or any directory above it (as git finds .git), else
$XDG_CONFIG_HOME/taskport/config.yaml (~/.config/taskport/config.yaml). Without one every port uses
the local provider. Values whose names look secret (password, token, credential, private key) are
redacted; settings about secrets, such as aws.plainSecrets, are shown.`,
  options: {
    json: {
      type: 'boolean',
      description:
        'print {"configFile", "ports": {port: {provider, source}}, "providers": {name: {options, sources}}, "retention": {period, seconds, source}}',
    },
  },
  maxPositionals: 0,
  examples: ['taskport config show', 'taskport --config deploy/taskport.yaml config show --json'],
  run: async ({ values }, context) => {
    const taskport = await context.open();
    if (!taskport.config) {
      // Remote mode: the provider mix is the server's; say which server and who we are there.
      const { describeRemote } = await import('../remote/describe-remote.js');
      return describeRemote(taskport, values.json === true, context);
    }
    const { describeConfig } = await import('@taskport/container');
    const config = configJson(describeConfig(taskport.config));
    if (values.json) {
      context.stdout.write(toJsonDocument(config));
      return 0;
    }
    const { out } = context;
    const lines = [
      `${out.bold('Config file:')} ${config.configFile ?? out.dim('none (every port defaults to local)')}`,
      `${out.bold('Retention:')}   ${config.retention.seconds === null ? 'off (everything is kept)' : `finished executions older than ${config.retention.period} are removed`} ${out.dim(`(${config.retention.source})`)}`,
      '',
    ];
    lines.push(
      renderTable(
        ['PORT', 'PROVIDER', 'SOURCE'].map((h) => out.bold(h)),
        Object.entries(config.ports).map(([port, p]) => [port, p.provider, p.source]),
      ).trimEnd(),
    );
    for (const [name, provider] of Object.entries(config.providers)) {
      const rows = Object.entries(provider.options).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
        provider.sources[key] ?? 'default',
      ]);
      lines.push('', `${out.bold(`Provider ${name}`)}`);
      lines.push(
        rows.length > 0
          ? renderTable(
              ['OPTION', 'VALUE', 'SOURCE'].map((h) => out.bold(h)),
              rows,
            ).trimEnd()
          : out.dim('  (no options)'),
      );
    }
    context.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

interface ConfigJson {
  configFile: string | null;
  ports: Record<string, { provider: string; source: string }>;
  providers: Record<string, { options: Record<string, unknown>; sources: Record<string, string> }>;
  retention: { period: string; seconds: number | null; source: string };
}

/** The documented shape; `describeConfig` has already redacted secret-looking values. */
function configJson(config: ResolvedConfig): ConfigJson {
  const providers: ConfigJson['providers'] = {};
  for (const [name, provider] of Object.entries(config.providers)) {
    providers[name] = { options: { ...provider.options }, sources: { ...provider.sources } };
  }
  const ports: ConfigJson['ports'] = {};
  for (const [port, p] of Object.entries(config.ports))
    ports[port] = { provider: p.provider, source: p.source };
  const { text, seconds, source } = config.retention;
  return {
    configFile: config.configFile ?? null,
    ports,
    providers,
    retention: { period: text, seconds, source },
  };
}
