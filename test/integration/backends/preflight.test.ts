import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { PreflightCheck } from '../../../remote/protocol';
import { repoRoot, tmpDir } from '../../helpers/tmp';
import { standin } from '../../helpers/standins';

const agent = path.join(repoRoot, 'dist', 'agent.js');
const dir = tmpDir('selfreward-preflight-');

function onPath(exe: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, exe)));
}

function preflight(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [agent, 'preflight', ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return r;
}

test('this machine (no GPU, no vllm/trl): each missing piece with its fix, exit code 1, same facts in the table', () => {
  const r = preflight(['--json', '--runs-dir', path.join(dir, 'runs')]);
  const out = JSON.parse(r.stdout) as { checks: PreflightCheck[]; ok: boolean };
  const by = new Map(out.checks.map((c) => [c.name, c]));
  // facts established independently of the agent
  const hasSmi = onPath('nvidia-smi');
  const py = spawnSync('python3', ['-c', 'import importlib.util as u; print(" ".join(p for p in ["vllm","trl","accelerate","torch"] if u.find_spec(p) is None))'], { encoding: 'utf8' });
  const missing = py.status === 0 ? py.stdout.trim().split(/\s+/).filter(Boolean) : ['vllm', 'trl', 'accelerate', 'torch'];
  assert.equal(by.get('gpu')?.ok, hasSmi);
  if (!hasSmi) {
    assert.match(by.get('gpu')!.detail, /nvidia-smi not found/);
    assert.equal(by.get('gpu')!.fix, 'sudo apt-get install -y nvidia-driver && sudo reboot');
  }
  for (const p of ['vllm', 'trl', 'accelerate', 'torch']) {
    const c = by.get(p)!;
    assert.equal(c.ok, !missing.includes(p), `${p}: ${c.detail}`);
    if (!c.ok) assert.equal(c.fix, `python3 -m pip install ${p === 'trl' ? "'trl[peft]'" : p}`);
  }
  for (const c of out.checks) if (!c.ok && c.required !== false) assert.ok(c.fix, `${c.name} has a fix`);
  assert.equal(by.get('node')?.ok, true);
  assert.match(by.get('disk')!.detail, /GiB free in /);
  const anyMissing = out.checks.some((c) => !c.ok && c.required !== false);
  assert.equal(out.ok, !anyMissing);
  assert.equal(r.status, anyMissing ? 1 : 0);
  if (!hasSmi || missing.length) assert.equal(r.status, 1);
  // the human table says the same
  const t = preflight(['--runs-dir', path.join(dir, 'runs')]);
  assert.equal(t.status, r.status);
  for (const c of out.checks.filter((x) => !x.ok && x.fix)) {
    assert.match(t.stdout, new RegExp(`FAIL\\s+${c.name.replace(/[()]/g, '\\$&')}\\s`));
    assert.ok(t.stdout.includes(`fix: ${c.fix}`), `table shows the fix of ${c.name}`);
  }
  assert.match(t.stdout, /preflight: \d+ problems? to fix/);
});

test('a config decides what is required; GPUs and package versions are read from nvidia-smi and the venv python', () => {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(standin('nvidia-smi'), path.join(bin, 'nvidia-smi'));
  const acc = path.join(dir, 'missing-accelerate.yaml');
  const cfgFile = path.join(dir, 'run.json');
  fs.writeFileSync(cfgFile, JSON.stringify({
    name: 'pf', model: { backend: 'vllm', name: 'org/m', vllm: { python: standin('python'), tensorParallelSize: 4 } },
    seedData: [{ path: 'builtin:demo' }],
    trainer: { backend: 'trl', accelerateConfig: acc, trl: { python: standin('python') } },
  }));
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    STANDIN_PY_PACKAGES: JSON.stringify({ vllm: '0.11.0', torch: '2.8.0', trl: null, accelerate: '1.10.1', transformers: '4.57.1', peft: null }),
    STANDIN_GPUS: '0, NVIDIA H100 80GB HBM3, 81559, 80000;1, NVIDIA H100 80GB HBM3, 81559, 1024',
  };
  const r = preflight(['--json', '--config', cfgFile, '--runs-dir', path.join(dir, 'runs')], env);
  const out = JSON.parse(r.stdout) as { checks: PreflightCheck[]; ok: boolean };
  const by = new Map(out.checks.map((c) => [c.name, c]));
  assert.equal(by.get('vllm')?.ok, true);
  assert.match(by.get('vllm')!.detail, /vllm 0\.11\.0/);
  assert.equal(by.get('trl')?.ok, false);
  assert.equal(by.get('trl')?.fix, `${standin('python')} -m pip install 'trl[peft]'`);
  assert.equal(by.has('peft'), false, 'no LoRA configured: peft not required');
  const gpu = by.get('gpu')!;
  assert.equal(gpu.ok, false);
  assert.match(gpu.detail, /GPU 0 NVIDIA H100 80GB HBM3: 78\.1 of 79\.6 GiB free; GPU 1 NVIDIA H100 80GB HBM3: 1\.0 of 79\.6 GiB free; model\.vllm needs 4 \(tensorParallelSize × dataParallelSize × replicas\)/);
  assert.equal(gpu.fix, 'lower model.vllm.tensorParallelSize / dataParallelSize / replicas to fit 2 GPU(s)');
  // versions outside the range the argv contract was made from: a warning that does not fail preflight
  assert.equal(by.get('accelerate version')?.ok, false);
  assert.equal(by.get('accelerate version')?.required, false);
  assert.match(by.get('accelerate version')!.detail, /accelerate 1\.10\.1 .* is outside the tested range 1\.15\.0 ≤ v < 1\.16\.0/);
  assert.match(by.get('vllm version')!.detail, /vllm 0\.11\.0 .*outside the tested range 0\.20\.0/);
  assert.equal(by.get('accelerate config')?.fix, `accelerate config --config_file ${acc}`);
  assert.equal(r.status, 1);
});

test('a sim-only config needs no GPU stack: preflight passes here', () => {
  const cfgFile = path.join(dir, 'sim.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ name: 'sim', model: { backend: 'sim', name: 'sim-7b' }, seedData: [{ path: 'builtin:demo' }] }));
  const r = preflight(['--config', cfgFile, '--runs-dir', path.join(dir, 'runs')]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /preflight: ready/);
});

test('bad usage and a bad config file: exit 2 with the reason', () => {
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{"name": "x", "model": {"backend": "vllm"}, "seedData": []}');
  const r = preflight(['--config', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.json: invalid run config/);
  assert.match(r.stderr, /field "model\.name": is required/);
  assert.equal(preflight(['--frobnicate']).status, 2);
});

test('model.vllm.command is honoured (no vllm package demanded on python3); versions in range pass; a model without a chat template is flagged', () => {
  const bin = path.join(dir, 'bin2');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(standin('nvidia-smi'), path.join(bin, 'nvidia-smi'));
  const model = path.join(dir, 'base-model');
  fs.mkdirSync(model, { recursive: true });
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ model_type: 'llama', attention_dropout: 0 }));
  fs.writeFileSync(path.join(model, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 2048 }));
  const cfgFile = path.join(dir, 'cmd.json');
  fs.writeFileSync(cfgFile, JSON.stringify({
    name: 'pf2', model: { backend: 'vllm', name: model, vllm: { command: [standin('python'), '/opt/kit/fakevllm.py'] } },
    seedData: [{ path: 'builtin:demo' }],
    trainer: { trl: { python: standin('python') } },
  }));
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    STANDIN_PY_PACKAGES: JSON.stringify({ trl: '1.9.0', accelerate: '1.15.0', torch: '2.11.0', transformers: '5.17.0', peft: '0.21.0' }),
    STANDIN_GPUS: '0, NVIDIA H200, 143771, 140000',
  };
  const r = preflight(['--json', '--config', cfgFile, '--runs-dir', path.join(dir, 'runs')], env);
  const out = JSON.parse(r.stdout) as { checks: PreflightCheck[]; ok: boolean };
  const by = new Map(out.checks.map((c) => [c.name, c]));
  assert.equal(by.has('vllm'), false, 'the vllm package is not looked for on python3');
  assert.equal(by.get('vllm command')?.ok, true);
  assert.match(by.get('vllm command')!.detail, /fakevllm\.py/);
  for (const p of ['trl', 'transformers', 'accelerate']) assert.equal(by.get(`${p} version`)?.ok, true, by.get(`${p} version`)?.detail);
  const ct = by.get('chat template')!;
  assert.equal(ct.ok, false);
  assert.equal(ct.required, false);
  assert.match(ct.detail, /has no chat template/);
  assert.match(ct.fix!, /trainer\.rowFormat to "standard"/);
  // with a template: ok
  fs.writeFileSync(path.join(model, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{{ messages }}' }));
  const r2 = JSON.parse(preflight(['--json', '--config', cfgFile, '--runs-dir', path.join(dir, 'runs')], env).stdout) as { checks: PreflightCheck[] };
  assert.equal(r2.checks.find((c) => c.name === 'chat template')?.ok, true);
  assert.equal(out.ok, r.status === 0);
});
