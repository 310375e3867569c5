import { GLOBAL_OPTIONS, type OptionSpecs, type ParsedArgs } from './args.js';
import type { CliContext } from './context.js';

/** One `taskport` command: its help and its action. Each lives in its own file under `commands/`. */
export interface Command {
  /** Full name as typed, e.g. `run`, `images register`. */
  name: string;
  summary: string;
  /** Usage line after `taskport `, e.g. `status <id> [--json]`. */
  usage: string;
  /** Extra paragraphs for `--help`. */
  details?: string;
  options: OptionSpecs;
  /** How many positional arguments it accepts. */
  maxPositionals: number;
  examples: string[];
  /** Returns the exit code. */
  run(args: ParsedArgs, context: CliContext): Promise<number>;
}

export function renderCommandHelp(command: Command): string {
  const sections = [`${command.summary}`, `Usage:\n  taskport ${command.usage}`];
  if (command.details) sections.push(command.details);
  if (Object.keys(command.options).length > 0) sections.push(`Options:\n${renderOptions(command.options)}`);
  sections.push(`Global options:\n${renderOptions(GLOBAL_OPTIONS)}`);
  if (command.examples.length > 0)
    sections.push(`Examples:\n${command.examples.map((e) => `  ${e}`).join('\n')}`);
  return `${sections.join('\n\n')}\n`;
}

export function renderOptions(options: OptionSpecs): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.description + (spec.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}   ${text}`).join('\n');
}
