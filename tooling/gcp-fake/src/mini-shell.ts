/*
 * The programs the fake container runtime can run, since the fake has no container engine: `printf`,
 * `echo`, `sleep`, `exit`, `true`, `false`, and `/bin/sh -c SCRIPT` where SCRIPT is a `;`-separated list of
 * those with POSIX quoting ('...', "..." with $VAR), `$VAR` expansion and `>&2`. An argv runs as an argv: no
 * word splitting, no expansion. Anything else fails as a missing executable does (exit 127).
 */

export interface ProgramIo {
  env: Record<string, string>;
  write(stream: 'stdout' | 'stderr', text: string): void;
  sleep(seconds: number): Promise<void>;
}

class Exit {
  constructor(readonly code: number) {}
}

function unescapePrintf(format: string): string {
  return format.replace(/\\(.)/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === '\\' ? '\\' : `\\${c}`,
  );
}

function printf(args: string[]): string {
  const [rawFormat = '', ...rest] = args;
  const format = unescapePrintf(rawFormat);
  const conversions = (format.match(/%[s%]/g) ?? []).filter((c) => c === '%s').length;
  let out = '';
  let index = 0;
  do {
    out += format.replace(/%[s%]/g, (c) => (c === '%%' ? '%' : (rest[index++] ?? '')));
  } while (conversions > 0 && index < rest.length);
  return out;
}

/** Runs one command (argv, no shell). Returns its exit status; `exit` throws Exit. */
async function command(
  argv: string[],
  io: ProgramIo,
  stream: 'stdout' | 'stderr',
  inShell: boolean,
): Promise<number> {
  const [program, ...args] = argv;
  switch (program) {
    case undefined:
      return 0;
    case 'printf':
      io.write(stream, printf(args));
      return 0;
    case 'echo':
      io.write(stream, `${args.join(' ')}\n`);
      return 0;
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'sleep': {
      const seconds = Number(args[0]);
      if (!Number.isFinite(seconds) || seconds < 0) {
        io.write('stderr', `sleep: invalid time interval '${args[0]}'\n`);
        return 1;
      }
      await io.sleep(seconds);
      return 0;
    }
    case 'exit':
      if (!inShell) break;
      throw new Exit(Number(args[0] ?? 0) & 255);
    case '/bin/sh':
    case 'sh':
      if (args[0] === '-c' && args[1] !== undefined) return shell(args[1], io);
      io.write('stderr', 'sh: the fake runtime runs only sh -c SCRIPT\n');
      return 2;
  }
  io.write('stderr', `exec: "${program}": executable file not found in $PATH\n`);
  return 127;
}

interface Statement {
  argv: string[];
  stream: 'stdout' | 'stderr';
}

/** Splits a script into statements of words, applying quotes and $VAR expansion as sh does. */
function parse(script: string, env: Record<string, string>): Statement[] {
  const statements: Statement[] = [];
  let argv: string[] = [];
  let stream: 'stdout' | 'stderr' = 'stdout';
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) {
      if (word === '>&2' || word === '1>&2') stream = 'stderr';
      else argv.push(word);
    }
    word = undefined;
  };
  const variable = (at: number): [string, number] => {
    const match = /^\$([A-Za-z_]\w*)/.exec(script.slice(at));
    if (!match) return ['$', at + 1];
    return [env[match[1]!] ?? '', at + match[0].length];
  };
  let i = 0;
  while (i < script.length) {
    const ch = script[i]!;
    if (ch === "'") {
      const close = script.indexOf("'", i + 1);
      if (close < 0) throw new SyntaxError('unterminated quote');
      word = (word ?? '') + script.slice(i + 1, close);
      i = close + 1;
    } else if (ch === '"') {
      let text = '';
      i++;
      while (i < script.length && script[i] !== '"') {
        if (script[i] === '\\' && '"\\$`'.includes(script[i + 1] ?? '')) {
          text += script[i + 1];
          i += 2;
        } else if (script[i] === '$') {
          const [value, next] = variable(i);
          text += value;
          i = next;
        } else if (script[i] === '`') {
          throw new SyntaxError('command substitution is not supported by the fake runtime');
        } else {
          text += script[i++];
        }
      }
      if (script[i] !== '"') throw new SyntaxError('unterminated quote');
      word = (word ?? '') + text;
      i++;
    } else if (ch === '\\') {
      // Outside quotes a backslash makes the next character literal ('it'\''s').
      word = (word ?? '') + (script[i + 1] ?? '');
      i += 2;
    } else if (ch === '$') {
      const [value, next] = variable(i);
      word = (word ?? '') + value;
      i = next;
    } else if (ch === ';' || ch === '\n') {
      end();
      if (argv.length) statements.push({ argv, stream });
      argv = [];
      stream = 'stdout';
      i++;
    } else if (/\s/.test(ch)) {
      end();
      i++;
    } else if ('|&<`(){}'.includes(ch) && !(ch === '&' && word?.endsWith('>'))) {
      throw new SyntaxError(`"${ch}" is not supported by the fake runtime`);
    } else {
      word = (word ?? '') + ch;
      i++;
    }
  }
  end();
  if (argv.length) statements.push({ argv, stream });
  return statements;
}

async function shell(script: string, io: ProgramIo): Promise<number> {
  let statements: Statement[];
  try {
    statements = parse(script, io.env);
  } catch (error) {
    io.write('stderr', `sh: ${(error as Error).message}\n`);
    return 2;
  }
  let status = 0;
  try {
    for (const statement of statements) status = await command(statement.argv, io, statement.stream, true);
  } catch (error) {
    if (error instanceof Exit) return error.code;
    throw error;
  }
  return status;
}

/** Runs an argv as a container's process and returns its exit code. */
export function runProgram(argv: string[], io: ProgramIo): Promise<number> {
  return command(argv, io, 'stdout', false);
}
