import { readFileSync } from 'node:fs';
import { GLOBAL_OPTIONS, parseCommandArgs } from './args.js';
import { renderCommandHelp, renderOptions } from './command.js';
import { COMMANDS, GROUPS } from './command-table.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { UsageError } from './usage-error.js';

// Start-up is benchmarked: this module imports only small local modules. Commands, the container and
// the providers are loaded with import() once we know which command runs. main.ts answers --version
// before even this module is loaded.

const VALUE_OPTIONS = new Set(['--data-dir', '--config', '--server']);

/** `taskport <version>`, from the package.json one level above dist/ (and above src/). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `taskport ${pkg.version}`;
}

function topHelp(): string {
  const names = [...Object.keys(COMMANDS).filter((n) => !n.includes(' ')), ...Object.keys(GROUPS)];
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const line = (name: string, text: string) => `  ${name.padEnd(width)}   ${text}`;
  const commands = names.map((name) => {
    const group = GROUPS[name];
    if (!group) return line(name, COMMANDS[name]?.summary ?? '');
    const subs = Object.entries(COMMANDS).filter(([n]) => n.startsWith(`${name} `));
    return [line(name, group), ...subs.map(([n, e]) => line(n, e.summary))].join('\n');
  });
  return `taskport runs one-off commands in containers on AWS ECS Fargate, or locally with no cloud.

Usage:
  taskport [global options] <command> [options]

Commands:
${commands.join('\n')}

Global options:
${renderOptions({ ...GLOBAL_OPTIONS, version: { type: 'boolean', short: 'v', description: 'print the version' } })}

Environment:
  TASKPORT_DATA_DIR   state directory of the local provider (default: see 'taskport config show')
  TASKPORT_CONFIG     deployment config file choosing a provider per port (default: all local)
  TASKPORT_USER       who you are, recorded on executions and images (default: user@host)
  TASKPORT_SERVER     send every command to this taskport server (also --server, taskport login)
  TASKPORT_API_KEY    the API key for that server
  NO_COLOR            set to disable colour

${EXIT_CODES_HELP}

Examples:
  taskport run -- echo "hello from taskport"
  taskport run --image alpine:3.20 --env GREETING=hi --timeout 5m -- sh -c 'echo $GREETING'
  taskport run --detach -- ./long-job.sh && taskport list
  taskport logs --follow <execution-id>

Run 'taskport <command> --help' for the options and examples of a command.
`;
}

function groupHelp(group: string): string {
  const subs = Object.entries(COMMANDS).filter(([n]) => n.startsWith(`${group} `));
  const width = Math.max(...subs.map(([n]) => n.length));
  return `${GROUPS[group]}\n\nUsage:\n  taskport ${group} <command> [options]\n\nCommands:\n${subs
    .map(([n, e]) => `  ${n.padEnd(width)}   ${e.summary}`)
    .join('\n')}\n\nRun 'taskport ${group} <command> --help' for details.\n`;
}

async function main(argv: string[]): Promise<number> {
  // Global options may come before the command; they are handed on to the command's parser.
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '--') break;
    if (arg === '--version' || arg === '-v') {
      process.stdout.write(`${version()}\n`);
      return EXIT.OK;
    }
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(topHelp());
      return EXIT.OK;
    }
    const name = arg.split('=')[0] as string;
    if (VALUE_OPTIONS.has(name) && !arg.includes('=')) {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      globals.push(arg, argv[++i] as string);
    } else if (VALUE_OPTIONS.has(name) || arg === '--no-color') {
      globals.push(arg);
    } else {
      throw new UsageError(`unknown option ${arg} before the command; run 'taskport --help'`);
    }
  }

  let word = argv[i];
  if (word === undefined) {
    process.stdout.write(topHelp());
    return EXIT.OK;
  }
  if (word === 'version') {
    process.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  let helpRequested = false;
  if (word === 'help') {
    helpRequested = true;
    i++;
    word = argv[i];
    if (word === undefined) {
      process.stdout.write(topHelp());
      return EXIT.OK;
    }
  }

  let name = word;
  if (GROUPS[word]) {
    const sub = argv[i + 1];
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(groupHelp(word));
      return EXIT.OK;
    }
    name = `${word} ${sub}`;
    i++;
    if (!COMMANDS[name]) {
      throw new UsageError(`unknown command "${name}"; run 'taskport ${word} --help' for the list`);
    }
  }
  const entry = COMMANDS[name];
  if (!entry)
    throw new UsageError(`unknown command "${word}"${suggest(word)}; run 'taskport --help' for the list`);

  const rest = argv.slice(i + 1);
  const { command } = await entry.load();
  const { createContext, globalOptionsOf } = await import('./context.js');

  // `run` takes its command after "--"; everything before it is options.
  const split = command.name === 'run' ? rest.indexOf('--') : -1;
  const optionArgs = split === -1 ? rest : rest.slice(0, split);
  const parsed = parseCommandArgs(
    command.name,
    [...globals, ...optionArgs],
    command.options,
    command.maxPositionals,
  );
  if (helpRequested || parsed.values.help) {
    process.stdout.write(renderCommandHelp(command));
    return EXIT.OK;
  }
  if (command.name === 'run' && split === -1 && parsed.positionals.length > 0) {
    // `taskport run ls -la /tmp`: without "--" the command's own flags read as taskport's.
    const at = rest.indexOf(parsed.positionals[0] as string);
    const suggestion = ['taskport run', ...rest.slice(0, at), '--', ...rest.slice(at)].join(' ');
    throw new UsageError(
      `put the command after "--", so its own options are not read as taskport's: ${suggestion}`,
    );
  }
  if (split !== -1) {
    if (parsed.positionals.length > 0) {
      const word = parsed.positionals[0] as string;
      // -i used to be --image: `run -i alpine -- ...` now reads as --interactive plus a stray word.
      const imageHint = parsed.values.interactive
        ? `; -i is --interactive (stdin), an image is --image ${word}`
        : '';
      throw new UsageError(
        `unexpected argument "${word}" before "--"; the whole command goes after "--"${imageHint}`,
      );
    }
    parsed.positionals = rest.slice(split + 1);
  }

  const context = createContext(globalOptionsOf(parsed.values, process.env));
  try {
    return await command.run(parsed, context);
  } finally {
    await context.close();
  }
}

/** The known command closest to a mistyped one (at most two edits away), as a hint. */
function suggest(word: string): string {
  const known = [...Object.keys(COMMANDS).filter((n) => !n.includes(' ')), ...Object.keys(GROUPS)];
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

async function report(error: unknown): Promise<number> {
  if (error instanceof UsageError) {
    process.stderr.write(`taskport: ${error.message}\n`);
    return EXIT.USAGE;
  }
  const { describeFailure } = await import('./failure.js');
  const { line, code } = describeFailure(error, process.env);
  process.stderr.write(`${line}\n`);
  return code;
}

process.removeAllListeners('warning');
process.on('warning', (warning) => {
  // node:sqlite is still marked experimental on some Node 22 releases; that is not the user's concern.
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
// `taskport logs <id> | head` closes stdout early: that is a normal way to stop, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.OK);
  throw error;
});

const code = await main(process.argv.slice(2)).catch(report);
// Let stdout drain (pipes may be asynchronous), then exit without waiting for stray handles.
process.stdout.write('', () => process.exit(code));
