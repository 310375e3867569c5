/**
 * ANSI SGR (colour and weight) rendering for log lines. Only SGR sequences (`ESC [ ... m`) change the
 * style; every other escape sequence (cursor moves, OSC titles and links) is dropped, so a log never
 * moves the page around. Text is never interpreted as HTML: segments are rendered as text nodes.
 */

/** A colour: 0-15 are the terminal palette (themed by CSS), 16-255 the xterm cube, or `#rrggbb`. */
export type AnsiColor = number | string;

/** The SGR state at some point in a line. Immutable: every change makes a new object. */
export interface AnsiStyle {
  readonly fg?: AnsiColor;
  readonly bg?: AnsiColor;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
  readonly strike?: boolean;
}

export const PLAIN: AnsiStyle = Object.freeze({});

/** A run of text in one style. */
export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

export interface ParsedLine {
  segments: AnsiSegment[];
  /** The style in force at the end of the line: terminals carry it into the next line. */
  endStyle: AnsiStyle;
}

// CSI (ESC [ params intermediates final), OSC (ESC ] ... BEL | ESC \), two-byte escapes, and the
// 8-bit CSI. Built from strings so the control characters stay visible as escapes.
// biome-ignore lint/complexity/useRegexLiterals: a literal would hold raw control characters.
const ESCAPE = new RegExp(
  '\\x1b(?:\\[([0-?]*)[ -/]*([@-~])|\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)?|[@-Z\\\\-_])|\\x9b([0-?]*)[ -/]*([@-~])',
  'g',
);
// biome-ignore lint/complexity/useRegexLiterals: as above.
const HAS_ESCAPE = new RegExp('[\\x1b\\x9b]');

/** Whether a line has any escape sequence at all (most lines do not; they skip the parser). */
export function hasEscapes(line: string): boolean {
  return HAS_ESCAPE.test(line);
}

/** The text of a line with every escape sequence removed (for search and download as plain text). */
export function stripAnsi(line: string): string {
  return hasEscapes(line) ? line.replace(ESCAPE, '') : line;
}

/** Splits a line into styled segments, starting from `start` (the previous line's end style). */
export function parseAnsiLine(line: string, start: AnsiStyle = PLAIN): ParsedLine {
  if (!hasEscapes(line)) {
    return { segments: line ? [{ text: line, style: start }] : [], endStyle: start };
  }
  const segments: AnsiSegment[] = [];
  let style = start;
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(line); match; match = ESCAPE.exec(line)) {
    if (match.index > last) push(segments, line.slice(last, match.index), style);
    last = match.index + match[0].length;
    const final = match[2] ?? match[4];
    if (final === 'm') style = applySgr(style, match[1] ?? match[3] ?? '');
  }
  if (last < line.length) push(segments, line.slice(last), style);
  return { segments, endStyle: style };
}

function push(segments: AnsiSegment[], text: string, style: AnsiStyle): void {
  const previous = segments[segments.length - 1];
  if (previous && previous.style === style) previous.text += text;
  else segments.push({ text, style });
}

/** Applies one SGR parameter list (`1;31`, `38;5;208`, `38;2;255;0;0`, `` = reset). */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  const next: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] } = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) {
      for (const key of Object.keys(next)) delete next[key as keyof AnsiStyle];
    } else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code === 29) delete next.strike;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) delete next.bg;
    else if (code === 38 || code === 48) {
      const [color, used] = extendedColor(codes, i + 1);
      i += used;
      if (color !== undefined) {
        if (code === 38) next.fg = color;
        else next.bg = color;
      }
    }
  }
  return sameStyle(next, style) ? style : Object.freeze(next);
}

function extendedColor(codes: number[], at: number): [AnsiColor | undefined, number] {
  const mode = codes[at];
  if (mode === 5) {
    const n = codes[at + 1];
    return [n !== undefined && n >= 0 && n <= 255 ? n : undefined, 2];
  }
  if (mode === 2) {
    const [r, g, b] = [codes[at + 1], codes[at + 2], codes[at + 3]];
    if ([r, g, b].every((c) => c !== undefined && c >= 0 && c <= 255)) {
      return [`#${[r, g, b].map((c) => (c as number).toString(16).padStart(2, '0')).join('')}`, 4];
    }
    return [undefined, 4];
  }
  return [undefined, 0];
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  const keys = Object.keys(a) as (keyof AnsiStyle)[];
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

export function isPlain(style: AnsiStyle): boolean {
  return Object.keys(style).length === 0;
}

/** CSS classes for a style: palette colours are classes so light and dark themes can tune them. */
export function styleClasses(style: AnsiStyle): string {
  const classes: string[] = [];
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? style.fg : style.bg;
  // Inverse video with a default colour swaps in the log's own background or text colour.
  if (typeof fg === 'number' && fg < 16) classes.push(`fg${fg}`);
  else if (style.inverse && fg === undefined) classes.push('fginv');
  if (typeof bg === 'number' && bg < 16) classes.push(`bg${bg}`);
  else if (style.inverse && bg === undefined) classes.push('bginv');
  if (style.bold) classes.push('b');
  if (style.dim) classes.push('d');
  if (style.italic) classes.push('i');
  if (style.underline) classes.push('u');
  if (style.strike) classes.push('s');
  return classes.join(' ');
}

/** Inline colours for what no class covers: the 256-colour cube and 24-bit colours. */
export function styleColors(style: AnsiStyle): { color?: string; background?: string } {
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? style.fg : style.bg;
  const out: { color?: string; background?: string } = {};
  const f = extended(fg);
  const b = extended(bg);
  if (f) out.color = f;
  if (b) out.background = b;
  return out;
}

function extended(color: AnsiColor | undefined): string | undefined {
  if (typeof color === 'string') return color;
  if (color === undefined || color < 16) return undefined;
  if (color >= 232) {
    const v = 8 + (color - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const n = color - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(n / 36))},${level(Math.floor(n / 6) % 6)},${level(n % 6)})`;
}
