import { describe, expect, it } from 'vitest';
import { createStyle, visibleLength } from '../src/output/colour.js';
import { formatDuration } from '../src/output/format.js';
import { renderTable } from '../src/output/table.js';

describe('renderTable', () => {
  it('aligns columns by their visible width, colour codes included', () => {
    const style = createStyle({ isTTY: true }, {});
    const out = renderTable(
      ['ID', 'STATUS', 'CMD'],
      [
        ['a', style.green('SUCCEEDED'), 'echo hi'],
        ['bbbb', 'FAILED', 'false'],
      ],
    );
    const plain = out.split('\n').map((line) => line.replaceAll(style.green('SUCCEEDED'), 'SUCCEEDED'));
    expect(out.split('\n').map(visibleLength)[1]).toBe(plain[1]?.length);
    expect(plain[0]).toBe('ID    STATUS     CMD');
    expect(plain[1]).toBe('a     SUCCEEDED  echo hi');
    expect(plain[2]).toBe('bbbb  FAILED     false');
  });

  it('cuts the last column to the width it is given', () => {
    const out = renderTable(['ID', 'CMD'], [['a', 'x'.repeat(100)]], { width: 20 });
    expect(out.split('\n')[1]).toHaveLength(20);
    expect(out.split('\n')[1]?.endsWith('…')).toBe(true);
  });
});

describe('createStyle', () => {
  it('colours only a TTY without NO_COLOR or --no-color', () => {
    expect(createStyle({ isTTY: true }, {}).red('x')).not.toBe('x');
    expect(createStyle({ isTTY: false }, {}).red('x')).toBe('x');
    expect(createStyle({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(createStyle({ isTTY: true }, {}, true).red('x')).toBe('x');
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [4200, '4.2s'],
    [184_000, '3m04s'],
    [7_500_000, '2h05m'],
  ])('%d ms reads as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
