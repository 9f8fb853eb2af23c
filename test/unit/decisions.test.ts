import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldDecisions, pairForTraining } from '../../remote/review/decisions';
import type { PairDecision, PairRecord } from '../../remote/protocol';

const side = (id: string, text: string, score: number) => ({ candidateId: id, text, score, scores: [score], chars: text.length });
const pair = (id: string): PairRecord => ({ id, promptId: id, iteration: 1, prompt: `P${id}`, chosen: side('c', `good${id}`, 5), rejected: side('r', `bad${id}`, 1), margin: 4 });
const d = (pairId: string, kind: PairDecision['kind'], extra: Partial<PairDecision> = {}): PairDecision => ({ pairId, kind, ts: 't', ...extra });

test('the last decision per pair decides what trains, with and without the gate', () => {
  const reviews = foldDecisions([
    d('a', 'accept'),
    d('b', 'reject'),
    d('c', 'flip'),
    d('d', 'edit', { chosenText: 'better' }),
    d('e', 'reject'), d('e', 'accept'),
    d('f', 'flip'), d('f', 'flip'),
    d('g', 'accept'), d('g', 'clear'),
    d('h', 'note', { note: 'hmm' }),
  ]);
  const trained = (id: string, gate: boolean) => pairForTraining(pair(id), reviews.get(id), gate);
  assert.deepEqual(trained('a', true), { prompt: 'Pa', chosen: 'gooda', rejected: 'bada' });
  assert.equal(trained('b', true), undefined);
  assert.equal(trained('b', false), undefined);
  assert.deepEqual(trained('c', true), { prompt: 'Pc', chosen: 'badc', rejected: 'goodc' });
  assert.deepEqual(trained('d', true), { prompt: 'Pd', chosen: 'better', rejected: 'badd' });
  assert.deepEqual(trained('e', true), { prompt: 'Pe', chosen: 'goode', rejected: 'bade' });
  assert.deepEqual(trained('f', true), { prompt: 'Pf', chosen: 'goodf', rejected: 'badf' }, 'flipped twice = as generated');
  assert.equal(trained('g', true), undefined, 'cleared = unreviewed, excluded under the gate');
  assert.ok(trained('g', false), 'without the gate unreviewed pairs train');
  assert.equal(trained('h', true), undefined, 'a note alone is not a review');
  assert.equal(reviews.get('h')?.note, 'hmm');
  assert.ok(trained('zzz', false));
});
