import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PairsService } from '../../../remote/review/pairsService';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { makePair, writePairsFile } from '../../helpers/pairsFixture';

setQuiet(true);

test('a 100k-pair file pages to the end, plain and filtered, with the last record intact', () => {
  const file = path.join(tmpDir(), 'big.pairs.jsonl');
  writePairsFile(file, 100_000, { textBytes: 20, tornTail: true });
  const s = new PairsService(file, PairsService.decisionsFileFor(file));
  assert.equal(s.index.count, 100_000);
  const last = s.read(99_950, 100);
  assert.equal(last.pairs.length, 50);
  assert.deepEqual(
    (({ review: _r, parseFailures: _p, index: _i, ...rec }) => rec)(last.pairs[49]),
    makePair(99_999, { textBytes: 20 }),
    'last record read back exactly',
  );
  assert.equal(last.pairs[49].index, 99_999);
  const filtered = s.read(9_990, 50, { withParseFailures: true });
  assert.equal(filtered.matched, 10_000);
  assert.deepEqual(filtered.pairs.map((p) => p.id), Array.from({ length: 10 }, (_, k) => `p${(9_990 + k) * 10 + 3}`));
  assert.equal(s.read(100_000, 50).pairs.length, 0, 'past the end: empty page, no error');
  s.close();
});
