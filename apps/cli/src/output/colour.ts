/** ANSI styling, on only for a TTY and when neither NO_COLOR nor --no-color says otherwise. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain = (text: string) => text;

export function createStyle(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag = false): Style {
  const enabled =
    stream.isTTY === true &&
    !noColorFlag &&
    (env.NO_COLOR === undefined || env.NO_COLOR === '') &&
    env.TERM !== 'dumb';
  const wrap = (open: number, close: number) =>
    enabled ? (text: string) => `\x1b[${open}m${text}\x1b[${close}m` : plain;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Colours a status by what it means: green success, red failure, yellow in progress. */
export function styleStatus(style: Style, status: string): string {
  switch (status) {
    case 'SUCCEEDED':
      return style.green(status);
    case 'FAILED':
      return style.red(status);
    case 'STOPPED':
      return style.yellow(status);
    default:
      return style.cyan(status);
  }
}

/** Visible width of a string that may contain ANSI colour codes. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
