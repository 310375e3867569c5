import { describe, expect, it } from 'vitest';
import { durationTextSeconds } from '../src/index.js';

describe('durationTextSeconds', () => {
  it('reads days, hours, minutes and seconds, each optional, in that order', () => {
    expect(durationTextSeconds('30s')).toBe(30);
    expect(durationTextSeconds('5m')).toBe(300);
    expect(durationTextSeconds('1h30m')).toBe(5400);
    expect(durationTextSeconds('2d')).toBe(172_800);
    expect(durationTextSeconds('1d2h3m4s')).toBe(93_784);
    expect(durationTextSeconds(' 7D ')).toBe(604_800);
  });

  it('is NaN for anything else: empty, out of order, a sign, a fraction, a bare number', () => {
    for (const text of ['', 'm', '1m1h', '-5m', '1.5h', '90', '5 m', '1w']) {
      expect(durationTextSeconds(text), text).toBeNaN();
    }
  });
});
