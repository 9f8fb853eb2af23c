import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyDecision, emptyReview, foldDecisions, type PairReview } from '../../../remote/review/decisions';
import { decisionsToRestore } from '../../../remote/review/restore';
import { reviewView } from '../../../remote/review/pairsService';
import { RunStore } from '../../../remote/store/runStore';
import { readJsonl } from '../../../remote/store/jsonl';
import { validateConfig } from '../../../remote/config/config';
import { isReviewComplete } from '../../../remote/review/gate';
import { setQuiet } from '../../../remote/log';
import type { DecisionKind, PairDecision } from '../../../remote/protocol';
import { AgentPairsBackend, LocalPairsBackend } from '../../../src/pairs/backend';
import { PairsEditModel } from '../../../src/pairs/model';
import { tmpDir } from '../../helpers/tmp';
import { makePair, writePairsFile } from '../../helpers/pairsFixture';
import { inProcessAgent } from '../../helpers/inProcessAgent';

setQuiet(true);

test('decisionsToRestore brings any reachable review state back, whatever came after', () => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const kinds: DecisionKind[] = ['accept', 'reject', 'flip', 'edit', 'note', 'clear'];
  const draft = (): PairDecision => {
    const kind = kinds[rnd(kinds.length)];
    const d: PairDecision = { pairId: 'x', kind, ts: 't' };
    if (kind === 'edit') rnd(2) ? (d.chosenText = `c${rnd(9)}`) : (d.rejectedText = `r${rnd(9)}`);
    if (kind === 'note') d.note = `n${rnd(9)}`;
    return d;
  };
  for (let trial = 0; trial < 2000; trial++) {
    let r: PairReview = emptyReview();
    for (let k = rnd(6); k > 0; k--) r = applyDecision(r, draft());
    const before = reviewView(r);
    for (let k = 1 + rnd(5); k > 0; k--) r = applyDecision(r, draft());
    for (const d of decisionsToRestore(before, reviewView(r))) r = applyDecision(r, { ...d, pairId: 'x', ts: 't' });
    assert.deepEqual(reviewView(r), before, `trial ${trial}`);
  }
});

test('model: undo/redo before and after save, backup for hot exit, decisions there after reopen', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'm.pairs.jsonl');
  writePairsFile(file, 30);
  const decisionsFile = path.join(dir, 'm.decisions.jsonl');
  const model = new PairsEditModel(new LocalPairsBackend(file));
  await model.page(0, 10);
  model.apply('Accept', [{ pairId: 'p0', kind: 'accept' }]);
  model.apply('Flip', [{ pairId: 'p1', kind: 'flip' }]);
  assert.equal((await model.page(0, 10)).reviewed, 2, 'unsaved decisions count in the page');
  model.undo();
  assert.equal(model.current('p1').state, 'unreviewed');
  assert.equal(model.pendingDecisions.length, 1, 'undo of an unsaved edit drops it');
  model.redo();
  assert.equal(model.current('p1').state, 'flipped');

  // Hot exit: backup, new model from the backup, still unsaved.
  const backup = JSON.parse(JSON.stringify(model.backup()));
  const restored = new PairsEditModel(new LocalPairsBackend(file));
  restored.restore(backup);
  assert.equal(restored.dirty, true);
  assert.equal(restored.current('p1').state, 'flipped');
  assert.equal(fs.existsSync(decisionsFile), false, 'nothing written before save');

  assert.equal(await model.save(), 2);
  assert.equal(readJsonl(decisionsFile).length, 2);
  // Undo after save appends compensating decisions; saving them restores the earlier state in the file's fold.
  model.undo();
  assert.equal(model.dirty, true);
  assert.equal(model.current('p1').state, 'unreviewed');
  await model.save();
  const folded = foldDecisions(readJsonl<PairDecision>(decisionsFile));
  assert.equal(folded.get('p1')?.state, 'unreviewed');
  assert.equal(folded.get('p1')?.flipped, false);
  assert.equal(folded.get('p0')?.state, 'accepted');
  model.redo();
  await model.save();
  model.backend.dispose();

  const reopened = new PairsEditModel(new LocalPairsBackend(file));
  const page = await reopened.page(0, 3);
  assert.deepEqual(page.pairs.map((p) => p.review?.state), ['accepted', 'flipped', 'unreviewed']);
  assert.equal(page.reviewed, 2);
  reopened.backend.dispose();
});

test('remote: decisions made while the link is down are queued on disk, survive a restart, are sent once on reconnect', async () => {
  const dir = tmpDir();
  const store = new RunStore(path.join(dir, 'runs'));
  const config = validateConfig({ name: 'q', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }], review: { gate: true } });
  const run = store.create(config, { agentVersion: 't', rubricText: 'r' });
  fs.mkdirSync(run.iterationDir(1), { recursive: true });
  writePairsFile(run.filePath(1, 'pairs'), 40);
  const agent = inProcessAgent(run, store);
  const queueFile = path.join(dir, 'storage', 'queue.jsonl');
  const onAgent = (l: () => void) => agent.onDidChangeState(() => l());
  const backend = new AgentPairsBackend(() => agent, run.id, 1, queueFile, onAgent);
  const model = new PairsEditModel(backend);
  assert.deepEqual(await backend.gate(), { gate: true, complete: false });
  const first = await model.page(0, 5, { unreviewedOnly: true });
  assert.equal(first.matched, 40);

  agent.setState('reconnecting');
  model.apply('Accept', [{ pairId: 'p0', kind: 'accept' }]);
  model.apply('Flip', [{ pairId: 'p1', kind: 'flip' }]);
  model.apply('Reject', [{ pairId: 'p2', kind: 'reject' }]);
  await model.save(); // link down: saved = queued on this machine
  assert.equal(model.dirty, false);
  assert.equal(backend.queued(), 3);
  assert.equal(readJsonl(queueFile).length, 3, 'queue persisted');
  assert.equal(readJsonl(run.filePath(1, 'decisions')).length, 0, 'nothing reached the agent');
  backend.dispose();

  // The extension restarts while the link is still down; the new backend loads the queue.
  const backend2 = new AgentPairsBackend(() => agent, run.id, 1, queueFile, onAgent);
  assert.equal(backend2.queued(), 3);
  agent.loseReplies = 2; // the sends on reconnect and the next one are applied but their replies are lost
  agent.setState('connected'); // reconnect flushes by itself
  await backend2.flush();
  assert.equal(backend2.queued(), 3, 'unacknowledged decisions stay queued');
  const pageWhileQueued = await new PairsEditModel(backend2).page(0, 3);
  assert.deepEqual(pageWhileQueued.pairs.map((p) => p.review?.state), ['accepted', 'flipped', 'rejected']);
  await backend2.flush();
  assert.equal(backend2.queued(), 0);
  assert.equal(readJsonl(queueFile).length, 0);
  const onAgentSide = readJsonl<PairDecision>(run.filePath(1, 'decisions'));
  assert.deepEqual(onAgentSide.map((d) => `${d.pairId}:${d.kind}`), ['p0:accept', 'p1:flip', 'p2:reject'], 'each decision applied exactly once');
  const events = run.events.readAfter(0, 1000).events.filter((e) => e.type === 'review.decision');
  assert.equal(events.length, 3);

  const model2 = new PairsEditModel(backend2);
  const page = await model2.page(0, 5, { unreviewedOnly: true });
  assert.equal(page.matched, 37);
  assert.equal(page.reviewed, 3);
  const bulk = await model2.applyToFiltered('Accept filtered', { unreviewedOnly: true, withParseFailures: true }, { kind: 'accept' });
  assert.deepEqual(bulk?.drafts.map((d) => d.pairId), ['p3', 'p13', 'p23', 'p33']);
  await model2.save();
  const done = await backend2.completeReview();
  assert.deepEqual(done, { accepted: 6, rejected: 1 });
  assert.equal(isReviewComplete(run, 1), true);
  assert.deepEqual(await backend2.gate(), { gate: true, complete: true });
  assert.deepEqual(makePair(1).id, 'p1');
  backend2.dispose();
  run.close();
});
