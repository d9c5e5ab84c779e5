import { describe, expect, test } from 'vitest';

// A file that logs while it is loaded is listed test by test all the same.
console.log('strings.test.js loaded');

describe('strings', () => {
  test.each(['a', 'bb', 'ccc'])('length of %s', (s) => {
    expect(s.length).toBeGreaterThan(0);
  });
  test('trims', () => { expect(' x '.trim()).toBe('x'); });
});
