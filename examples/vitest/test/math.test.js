// A few vitest tests for offload's vitest framework (docs/frameworks.md).
// Their IDs are "FILE > SUITE > TEST", e.g. "test/math.test.js > math > adds".
import { describe, it, expect, test } from 'vitest';

describe('math', () => {
  it('adds', () => { expect(1 + 1).toBe(2); });
  it('multiplies', () => { expect(6 * 7).toBe(42); });
  it.skip('skipped one', () => {});
  it.todo('todo one');
  // listed, then skipped when it runs: reported skipped
  it('skips at run time', (ctx) => { ctx.skip(); });
  // every regex metacharacter, a slash, quotes, a " > " and non-ASCII:
  // offload runs it by its exact name all the same
  describe('nested [x] (a|b) $1.*+?^{}\\ "q" \'s\' / é > ü', () => {
    test('deep name', () => { expect('é').toHaveLength(1); });
  });
});

test('top level', () => {});
test('ünïcödé ✓ name', () => {});
test('same', () => {});
test('same prefix', () => {});
