import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig } from '../../../remote/config/config';
import { selectBackends } from '../../../remote/backends/index';
import { VllmBackend } from '../../../remote/backends/vllm';
import { TrlTrainer } from '../../../remote/backends/trl';
import { OpenAiDpoTrainer } from '../../../remote/backends/openaiDpo';
import { setSecret } from '../../../remote/secrets';
import { tmpDir } from '../../helpers/tmp';
import { groupMembers, readRecord, standin, trlFixtures } from '../../helpers/standins';

const dir = tmpDir('selfreward-select-');

test('vllm + trl: training first frees the GPUs (server stopped), then the next model is served from the output folder', async () => {
  const record = path.join(dir, 'argv.jsonl');
  Object.assign(process.env, {
    STANDIN_RECORD: record, STANDIN_VLLM_STARTUP_MS: '100', STANDIN_DELAY_MS: '2',
    STANDIN_TRL_STATE: path.join(trlFixtures, 'trainer_state.json'), STANDIN_TRL_REPLAY: path.join(trlFixtures, 'dpo-output.log'),
  });
  const cfg = validateConfig({
    name: 'select', seed: 1,
    model: { backend: 'vllm', name: 'org/base', vllm: { command: [standin('vllm'), 'serve'], readyTimeoutSec: 20, stopGraceSec: 2 } },
    seedData: [{ path: 'builtin:demo' }],
    trainer: { backend: 'trl', trl: { command: [standin('trl')], saveSteps: 4 } },
  });
  const { inference, trainer } = selectBackends(cfg, dir);
  assert.ok(inference instanceof VllmBackend);
  assert.ok(trainer instanceof TrlTrainer);
  try {
    await inference.ensureServing({ iteration: 1, name: 'org/base', madeBy: 'base' });
    const serverPid = readRecord(record).find((r) => r.tool === 'vllm')!.pid!;
    const trainDir = path.join(dir, 'iterations', '1', 'train');
    fs.mkdirSync(trainDir, { recursive: true });
    fs.writeFileSync(path.join(trainDir, 'train.jsonl'), '{"prompt":"p","chosen":"c","rejected":"r"}\n');
    let serverAliveDuringTraining: boolean | undefined;
    const res = await trainer.train({
      kind: 'dpo',
      runDir: dir, iteration: 1, baseModel: { iteration: 1, name: 'org/base', madeBy: 'base' }, trainDir, datasetFile: path.join(trainDir, 'train.jsonl'),
      config: cfg.trainer, signal: new AbortController().signal,
      onMetrics: () => {
        serverAliveDuringTraining ??= groupMembers(serverPid).length > 0;
      },
    });
    assert.equal(serverAliveDuringTraining, false);
    const e = await inference.ensureServing(res.model);
    assert.equal(e.model, 'selfreward-m2');
    const starts = readRecord(record).filter((r) => r.tool === 'vllm' && r.argv);
    assert.equal(starts.length, 2);
    assert.equal(starts[1].argv![1], path.join(trainDir, 'output'));
  } finally {
    await inference.stop();
  }
});

test('openai trainer needs the openai model backend; openai + openai selects the OpenAI classes', () => {
  const base = { name: 'x', seedData: [{ path: 'builtin:demo' }], trainer: { backend: 'openai' } };
  // refused by the config check, and by selectBackends for a config that did not come through it
  assert.throws(() => validateConfig({ ...base, model: { backend: 'vllm', name: 'm' } }), /field "trainer\.backend": "openai" needs model\.backend "openai" or "external"/);
  const unchecked = { ...validateConfig({ ...base, model: { backend: 'openai', name: 'm' } }), model: { backend: 'vllm' as const, name: 'm' } };
  assert.throws(() => selectBackends(unchecked, dir), /trainer\.backend "openai" needs model\.backend "openai" or "external" .*not model\.backend "vllm"/);
  const simOnReal = { ...validateConfig({ ...base, model: { backend: 'openai', name: 'm' } }), trainer: { ...validateConfig({ ...base, model: { backend: 'openai', name: 'm' } }).trainer, backend: 'sim' as const } };
  assert.throws(() => selectBackends(simOnReal, dir), /trainer\.backend "sim" \(the simulated trainer\) cannot train a real model: model\.backend is "openai"/);
  const cfg = validateConfig({ ...base, model: { backend: 'openai', name: 'gpt-4.1-mini-2025-04-14', apiKeyEnv: 'SELFREWARD_SELECT_KEY' } });
  assert.throws(() => selectBackends(cfg, dir), /no API key for SELFREWARD_SELECT_KEY \(model\.apiKeyEnv\): run "Self-Rewarding: Set API Key…"/);
  setSecret('SELFREWARD_SELECT_KEY', 'sk-mem');
  const both = selectBackends(cfg, dir);
  assert.ok(both.trainer instanceof OpenAiDpoTrainer);
  return both.inference.ensureServing({ iteration: 2, name: 'ft:x', madeBy: 'openai' }).then((e) => {
    assert.deepEqual(e, { baseUrls: ['https://api.openai.com/v1'], model: 'ft:x', apiKey: 'sk-mem' });
  });
});
