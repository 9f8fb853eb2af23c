/** Generated pairs.jsonl files for the review tests and benchmark: deterministic, varied margins/lengths/failures. */
import * as fs from 'node:fs';
import type { PairRecord } from '../../remote/protocol';

export function makePair(i: number, opts: { textBytes?: number } = {}): PairRecord {
  const pad = 'lorem ipsum dolor sit amet '.repeat(Math.max(1, Math.round((opts.textBytes ?? 200) / 27)));
  const chosenText = `Answer ${i} is clear and complete. ${pad}`.slice(0, (opts.textBytes ?? 200) + (i % 7) * 10);
  const rejectedText = `Answer ${i} is vague. ${pad}`.slice(0, 60 + (i % 5) * 40);
  const failure = i % 10 === 3;
  const cScores = [4 + (i % 2), 4, failure ? null : 5];
  const rScores = [1 + (i % 3), 2, 1];
  const mean = (xs: (number | null)[]): number => {
    const v = xs.filter((x): x is number => x !== null);
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  const c = mean(cScores);
  const r = mean(rScores);
  return {
    id: `p${i}`,
    promptId: `q${i}`,
    iteration: 1,
    prompt: `Prompt number ${i}: explain topic ${i % 13}.`,
    chosen: { candidateId: `c${i}a`, text: chosenText, score: c, scores: cScores, chars: chosenText.length },
    rejected: { candidateId: `c${i}b`, text: rejectedText, score: r, scores: rScores, chars: rejectedText.length },
    margin: Math.round((c - r) * 1000) / 1000,
  };
}

/** Write n pairs to `file` in 1 MB batches (memory flat while generating large files). */
export function writePairsFile(file: string, n: number, opts: { textBytes?: number; tornTail?: boolean } = {}): void {
  const fd = fs.openSync(file, 'w');
  try {
    let batch: string[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const line = JSON.stringify(makePair(i, opts)) + '\n';
      batch.push(line);
      bytes += line.length;
      if (bytes > 1 << 20) {
        fs.writeSync(fd, batch.join(''));
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length) fs.writeSync(fd, batch.join(''));
    if (opts.tornTail) fs.writeSync(fd, '{"id":"torn","prom');
  } finally {
    fs.closeSync(fd);
  }
}
