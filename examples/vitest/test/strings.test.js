import { describe, expect, test } from 'vitest';

describe('strings', () => {
  test.each(['a', 'bb', 'ccc'])('length of %s', (s) => {
    expect(s.length).toBeGreaterThan(0);
  });
  test('trims', () => { expect(' x '.trim()).toBe('x'); });
});
