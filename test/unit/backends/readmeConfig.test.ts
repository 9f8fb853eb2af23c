// The README's real-backend config works as written: it validates, and the command lines the agent builds from it
// (TRL for DPO and SFT, vLLM) pass the parsers of the tested versions (the argv contract).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'jsonc-parser';
import { validateConfig } from '../../../remote/config/config';
import { trlCommand, trlFlags } from '../../../remote/backends/trl';
import { vllmCommand } from '../../../remote/backends/vllm';
import { batchPlan, dropoutPlan, schedulePlan } from '../../../remote/backends/trainingPlan';
import { repoRoot } from '../../helpers/tmp';
// @ts-expect-error: a plain .mjs module of the stand-ins
import { checkPythonModule, checkTrlScript, checkVllm } from '../../fixtures/standins/argparse.mjs';

function readmeConfig(): unknown {
  const md = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = md.slice(md.indexOf('### Backends: vLLM, TRL, OpenAI'));
  const block = /```jsonc\n([\s\S]*?)```/.exec(section)![1];
  return parse(block, [], { allowTrailingComma: true });
}

test('the README\'s vLLM + TRL config validates and its command lines pass the tested parsers', () => {
  const cfg = validateConfig(readmeConfig(), 'README.md');
  assert.equal(cfg.model.backend, 'vllm');
  assert.equal(cfg.trainer.backend, 'trl');
  const c = cfg.trainer;
  for (const processes of [1, 2, 8]) {
    const plan = { batch: batchPlan(c, processes, 'visible GPUs'), schedule: schedulePlan(c), dropout: { ...dropoutPlan(0, 'x'), requested: 0.1, attributes: ['attention_dropout'] } };
    assert.equal(plan.batch.effective, 16);
    for (const kind of ['dpo', 'sft'] as const) {
      const flags = trlFlags(kind, { baseModel: { iteration: 1, name: cfg.model.name, madeBy: 'base' }, config: c }, plan, '/runs/r/it/train/dataset', '/runs/r/it/train/output', 2);
      const cmd = trlCommand(kind, c, processes, flags);
      // python -m trl.scripts.X (one process) or python -m accelerate.commands.launch … -m trl.scripts.X
      assert.equal(cmd[0], c.trl!.python);
      const m = cmd.lastIndexOf('-m');
      checkPythonModule(cmd[m + 1]);
      checkTrlScript(kind, cmd.slice(m + 2));
    }
  }
  const v = vllmCommand(cfg.model.vllm!, { weights: cfg.model.name, servedName: cfg.model.name, lora: false, adapters: [] }, 8000, cfg.seed);
  assert.deepEqual(v.slice(0, 3), [cfg.model.vllm!.python, '-m', 'vllm.entrypoints.openai.api_server']);
  checkVllm(v.slice(3));
});
