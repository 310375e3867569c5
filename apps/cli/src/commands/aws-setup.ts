import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { toJsonDocument } from '../output/json.js';
import { renderTable } from '../output/table.js';
import { UsageError } from '../usage-error.js';

export const command: Command = {
  name: 'aws setup',
  summary:
    'Create the AWS resources the config needs (tables, log groups, cluster); --dry-run shows the plan.',
  usage: 'aws setup [--dry-run] [--json]',
  details: `Creates what docs/providers/aws.md lists and that does not exist yet: the DynamoDB tables of images
and executions, the task and backend log groups and the ECS cluster, with the names from the aws section
of the config. What exists is left alone, so running it again changes nothing. IAM roles, subnets and
security groups are not created (they are the account's own decisions).`,
  options: {
    'dry-run': { type: 'boolean', description: 'print what would be created and create nothing' },
    json: {
      type: 'boolean',
      description: 'print {"dryRun", "resources": [{"kind", "name", "purpose", "existed", "created"}]}',
    },
  },
  maxPositionals: 0,
  examples: ['taskport aws setup --dry-run', 'taskport --config deploy/taskport.yaml aws setup'],
  run: async ({ values }, context) => {
    const taskport = await context.open();
    if (!taskport.config) {
      throw new UsageError('taskport aws setup runs against the AWS account itself; run it without --server');
    }
    const section = taskport.config.providers.aws;
    if (!section) {
      throw new UsageError(
        'no port of this deployment uses the aws provider; name it in taskport.yaml (providers: { taskExecutor: aws, ... }) or pass --config FILE',
      );
    }
    const aws = await import('@taskport/aws');
    const options = section.options as unknown as Parameters<typeof aws.planAwsSetup>[0];
    const dryRun = values['dry-run'] === true;
    const plan = dryRun ? await aws.planAwsSetup(options) : await aws.runAwsSetup(options);
    const resources = plan.map((item) => ({
      kind: item.kind,
      name: item.name,
      purpose: item.purpose,
      existed: item.exists,
      created: !dryRun && !item.exists,
    }));
    if (values.json) {
      context.stdout.write(toJsonDocument({ dryRun, resources }));
      return EXIT.OK;
    }
    const { out } = context;
    const state = (r: (typeof resources)[number]) =>
      r.existed ? 'exists' : dryRun ? out.yellow('would create') : out.green('created');
    context.stdout.write(
      renderTable(
        ['STATE', 'KIND', 'NAME', 'FOR'].map((h) => out.bold(h)),
        resources.map((r) => [state(r), r.kind, r.name, r.purpose]),
      ),
    );
    const missing = resources.filter((r) => !r.existed).length;
    context.stderr.write(
      dryRun
        ? `${missing} to create; run 'taskport aws setup' to create them\n`
        : `${missing} created, ${resources.length - missing} already there\n`,
    );
    return EXIT.OK;
  },
};
