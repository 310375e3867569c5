import { describe, expect, it } from 'vitest';
import { applySgr, PLAIN, parseAnsiLine, stripAnsi, styleClasses, styleColors } from '../src/lib/log/ansi.js';

const ESC = '\u001b';

describe('parseAnsiLine', () => {
  it('returns a plain line as one unstyled segment', () => {
    expect(parseAnsiLine('hello')).toEqual({ segments: [{ text: 'hello', style: PLAIN }], endStyle: PLAIN });
  });

  it('splits a line at SGR sequences and resets on 0', () => {
    const { segments, endStyle } = parseAnsiLine(`a ${ESC}[31mred${ESC}[0m b`);
    expect(segments.map((s) => [s.text, s.style])).toEqual([
      ['a ', {}],
      ['red', { fg: 1 }],
      [' b', {}],
    ]);
    expect(endStyle).toEqual({});
  });

  it('carries a style left open to the next line', () => {
    const first = parseAnsiLine(`${ESC}[1;32mstill`);
    expect(first.endStyle).toEqual({ bold: true, fg: 2 });
    const second = parseAnsiLine('green', first.endStyle);
    expect(second.segments).toEqual([{ text: 'green', style: { bold: true, fg: 2 } }]);
  });

  it('reads bright, 256-colour and 24-bit colours', () => {
    expect(applySgr(PLAIN, '91')).toEqual({ fg: 9 });
    expect(applySgr(PLAIN, '38;5;208')).toEqual({ fg: 208 });
    expect(applySgr(PLAIN, '48;2;255;0;16')).toEqual({ bg: '#ff0010' });
    expect(applySgr(PLAIN, '38:5:2')).toEqual({ fg: 2 });
    expect(styleColors({ fg: 208 })).toEqual({ color: 'rgb(255,135,0)' });
    expect(styleColors({ fg: 244 })).toEqual({ color: 'rgb(128,128,128)' });
  });

  it('drops cursor moves, OSC titles and links without showing them', () => {
    const line = `${ESC}[2K${ESC}]0;title${ESC}\\${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\ done${ESC}[?25l`;
    expect(
      parseAnsiLine(line)
        .segments.map((s) => s.text)
        .join(''),
    ).toBe('link done');
    expect(stripAnsi(line)).toBe('link done');
  });

  it('turns 22/23/24/39/49 off one attribute at a time', () => {
    let style = applySgr(PLAIN, '1;3;4;31;42');
    style = applySgr(style, '22;24;39');
    expect(style).toEqual({ italic: true, bg: 2 });
    expect(applySgr(style, '49;23')).toEqual({});
  });

  it('keeps the same object when a sequence changes nothing', () => {
    const style = applySgr(PLAIN, '31');
    expect(applySgr(style, '31')).toBe(style);
  });
});

describe('styleClasses', () => {
  it('names palette colours and weights as classes', () => {
    expect(styleClasses({ fg: 1, bg: 12, bold: true, underline: true })).toBe('fg1 bg12 b u');
  });

  it('swaps colours for inverse video, using the log colours when one is default', () => {
    expect(styleClasses({ fg: 1, inverse: true })).toBe('fginv bg1');
    expect(styleClasses({ inverse: true })).toBe('fginv bginv');
    expect(styleClasses({ fg: 2, bg: 3, inverse: true })).toBe('fg3 bg2');
  });
});
