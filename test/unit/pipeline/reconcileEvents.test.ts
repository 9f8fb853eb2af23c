import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../../remote/store/runStore';
import { validateConfig } from '../../../remote/config/config';
import { reemitLostRecordEvents } from '../../../remote/pipeline/reconcileEvents';
import { setQuiet } from '../../../remote/log';
import type { CandidateRecord, PromptRecord } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);
const config = validateConfig({ name: 'reconcile', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });

test('records whose events were lost in a crash are emitted on resume, once, and the rest are not repeated', () => {
  const store = new RunStore(tmpDir());
  const run = store.create(config, { agentVersion: 't', rubricText: 'r' });
  const prompt = (i: number): PromptRecord => ({ id: `p${i}`, iteration: 1, text: `prompt ${i}`, kept: true, fewShot: [], seed: i });
  const cand = (i: number): CandidateRecord => ({ id: `p${i}-c0`, promptId: `p${i}`, iteration: 1, index: 0, text: 'a', chars: 1 });
  const pw = run.writer(1, 'prompts');
  const cw = run.writer(1, 'candidates');
  for (let i = 0; i < 5; i++) {
    pw.append(prompt(i));
    if (i !== 3) run.emit({ type: 'prompt', record: prompt(i) }); // the crash hit between p3's append and its event
    cw.append(cand(i));
    if (i < 2) run.emit({ type: 'candidate', record: cand(i) });
  }
  // an event of another iteration with the same id does not count for iteration 1
  run.emit({ type: 'candidate', record: { ...cand(4), iteration: 2 } });

  assert.equal(reemitLostRecordEvents(run, 1), 4);
  const events = run.events.readAfter(0, 10_000).events;
  const ids = (type: string) => events.filter((e) => e.type === type && (e as { record: { iteration: number } }).record.iteration === 1).map((e) => (e as { record: { id: string } }).record.id).sort();
  assert.deepEqual(ids('prompt'), ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.deepEqual(ids('candidate'), ['p0-c0', 'p1-c0', 'p2-c0', 'p3-c0', 'p4-c0']);
  assert.equal(reemitLostRecordEvents(run, 1), 0, 'a second resume has nothing to add');
  run.close();
});
