import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../remote/store/runStore';
import { validateConfig } from '../../remote/config/config';
import { completeReview, isReviewComplete, waitForReview } from '../../remote/review/gate';
import { setQuiet } from '../../remote/log';
import { tmpDir } from '../helpers/tmp';

setQuiet(true);
const config = validateConfig({ name: 'gate', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });

test('training waits for the review, completion persists across reopen, abort rejects the wait', async () => {
  const store = new RunStore(tmpDir());
  const run = store.create(config, { agentVersion: 't', rubricText: 'r' });
  let released = false;
  const waiting = waitForReview(run, 1, new AbortController().signal).then(() => (released = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(released, false, 'still waiting before completion');
  completeReview(run, 1, { accepted: 3, rejected: 1 });
  await waiting;
  assert.equal(released, true);
  const id = run.id;
  run.close();
  const again = store.open(id, { write: true });
  assert.equal(isReviewComplete(again, 1), true);
  await waitForReview(again, 1, new AbortController().signal); // resolves at once
  const ac = new AbortController();
  const w2 = waitForReview(again, 2, ac.signal);
  ac.abort(new Error('stopped by user'));
  await assert.rejects(w2, /stopped by user/);
  again.close();
});
