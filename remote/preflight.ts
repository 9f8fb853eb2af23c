/**
 * Preflight: does this box have what a real run needs? Node, python, the python packages (vllm, trl, accelerate,
 * torch, peft), GPUs and their free memory (nvidia-smi), free disk under the runs folder, a loopback port for vLLM,
 * the accelerate config, the Slurm tools, the API key. Every problem comes with the exact command that fixes it.
 * Without a config every GPU-box requirement counts; with one, only what its backends use.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PreflightCheck, RunConfig } from './protocol';
import { runShort } from './backends/processes';
import { shellQuote as q } from './shellQuote';
import { getSecret } from './secrets';
import { TESTED, inTestedRange } from './backends/testedVersions';
import { accelerateNumProcesses, findModelConfig } from './backends/trainingPlan';

export interface PreflightOptions {
  /** the runs folder (free disk is measured there) */
  runsDir?: string;
  /** minimum free disk in GiB when training runs here (checkpoints are large); default 50 */
  minFreeGiB?: number;
}

export const DEFAULT_RUNS_DIR = path.join(os.homedir(), '.selfreward', 'runs');

const PY_VERSIONS = [
  'import importlib.metadata as m, json',
  'out = {}',
  "for p in ['vllm', 'trl', 'accelerate', 'torch', 'transformers', 'peft']:",
  '    try: out[p] = m.version(p)',
  '    except m.PackageNotFoundError: out[p] = None',
  'print(json.dumps(out))',
].join('\n');


function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The nearest existing folder at or above p (the runs folder may not exist yet). */
function existingAncestor(p: string): string {
  let d = path.resolve(p);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

export async function runPreflight(config?: RunConfig, opts: PreflightOptions = {}): Promise<{ checks: PreflightCheck[]; ok: boolean }> {
  const checks: PreflightCheck[] = [];
  const add = (c: PreflightCheck): void => void checks.push(c);
  const needVllm = !config || config.model.backend === 'vllm';
  const needTrl = !config || config.trainer.backend === 'trl';
  const needGpu = needVllm || needTrl;

  // Node
  const major = Number(process.versions.node.split('.')[0]);
  add({ name: 'node', ok: major >= 18, detail: `Node ${process.version} at ${process.execPath}`, ...(major >= 18 ? {} : { fix: 'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs' }) });

  // Python(s) and packages, per interpreter (vLLM and TRL may live in different venvs). A vLLM started through
  // model.vllm.command is that command's business: it is looked for, not the vllm package on python3.
  const vllmCommand = config?.model.vllm?.command;
  const vllmPy = config?.model.vllm?.python ?? 'python3';
  const trlPy = config?.trainer.trl?.python ?? 'python3';
  const wanted = new Map<string, Set<string>>();
  const want = (py: string, pkgs: string[]): void => {
    const s = wanted.get(py) ?? new Set<string>();
    for (const p of pkgs) s.add(p);
    wanted.set(py, s);
  };
  if (needVllm && !vllmCommand) want(vllmPy, ['vllm', 'torch']);
  if (needTrl) want(trlPy, ['trl', 'accelerate', 'torch', 'transformers', ...(!config || config.trainer.lora ? ['peft'] : [])]);
  if (!wanted.size) want('python3', []);
  for (const [py, pkgs] of wanted) {
    const v = await runShort([py, '--version'], { timeoutMs: 15_000 });
    const pyOk = v.code === 0;
    add({
      name: `python (${py})`,
      ok: pyOk || !pkgs.size,
      required: pkgs.size > 0,
      detail: pyOk ? `${(v.stdout || v.stderr).trim()}` : `${py}: not found`,
      ...(pyOk ? {} : { fix: py === 'python3' ? 'sudo apt-get install -y python3 python3-venv python3-pip' : `python3 -m venv ${q(path.dirname(path.dirname(py)))}` }),
    });
    let versions: Record<string, string | null> = {};
    if (pyOk) {
      const r = await runShort([py, '-c', PY_VERSIONS], { timeoutMs: 60_000 });
      try {
        versions = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string | null>;
      } catch {
        /* reported per package below */
      }
    }
    for (const p of pkgs) {
      const ver = versions[p];
      add({
        name: p,
        ok: !!ver,
        detail: ver ? `${p} ${ver} (${py})` : `${p} is not installed for ${py}`,
        ...(ver ? {} : { fix: `${q(py)} -m pip install ${p === 'trl' ? "'trl[peft]'" : p}` }),
      });
      if (ver && p in TESTED) add(versionCheck(p as keyof typeof TESTED, ver, py));
    }
  }
  if (needVllm && vllmCommand) add(await vllmCommandCheck(vllmCommand));

  // GPUs
  const smi = await runShort(['nvidia-smi', '--query-gpu=index,name,memory.total,memory.free', '--format=csv,noheader,nounits'], { timeoutMs: 20_000 });
  if (smi.code !== 0) {
    add({
      name: 'gpu',
      ok: !needGpu,
      required: needGpu,
      detail: smi.missing ? 'nvidia-smi not found: no NVIDIA driver (or no NVIDIA GPU) on this machine' : `nvidia-smi failed: ${smi.stderr.trim().slice(0, 300)}`,
      fix: 'sudo apt-get install -y nvidia-driver && sudo reboot',
    });
  } else {
    const gpus = smi.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(',').map((x) => x.trim()));
    const desc = gpus.map(([i, name, total, free]) => `GPU ${i} ${name}: ${(Number(free) / 1024).toFixed(1)} of ${(Number(total) / 1024).toFixed(1)} GiB free`);
    const v = config?.model.vllm;
    const need = (v?.tensorParallelSize ?? 1) * (v?.dataParallelSize ?? 1) * (v?.replicas ?? 1);
    const enough = gpus.length >= need;
    add({
      name: 'gpu',
      ok: gpus.length > 0 && enough,
      required: needGpu,
      detail: (desc.join('; ') || 'no GPU listed') + (enough ? '' : `; model.vllm needs ${need} (tensorParallelSize × dataParallelSize × replicas)`),
      ...(enough ? {} : { fix: `lower model.vllm.tensorParallelSize / dataParallelSize / replicas to fit ${gpus.length} GPU(s)` }),
    });
  }

  // Disk
  const runsDir = opts.runsDir ?? DEFAULT_RUNS_DIR;
  const at = existingAncestor(runsDir);
  const st = await fs.promises.statfs(at);
  const freeGiB = (st.bavail * st.bsize) / 2 ** 30;
  const minGiB = needTrl ? opts.minFreeGiB ?? 50 : 1;
  add({
    name: 'disk',
    ok: freeGiB >= minGiB,
    detail: `${freeGiB.toFixed(1)} GiB free in ${at} (runs folder ${runsDir}; want ≥ ${minGiB} GiB)`,
    ...(freeGiB >= minGiB ? {} : { fix: `rm -rf ${q(runsDir)}/*/iterations/*/train/output/checkpoint-*` }),
  });

  // Port for the managed server
  if (needVllm) {
    const port = config?.model.vllm?.port;
    if (port) {
      const free = await portFree(port);
      add({ name: 'port', ok: free, detail: free ? `127.0.0.1:${port} is free` : `127.0.0.1:${port} is in use`, ...(free ? {} : { fix: `ss -ltnp 'sport = :${port}'  # then stop that process, or remove model.vllm.port to pick a free port` }) });
    } else {
      const free = await portFree(0);
      add({ name: 'port', ok: free, detail: free ? 'a free loopback port will be picked for vLLM' : 'cannot bind any port on 127.0.0.1', ...(free ? {} : { fix: 'sudo ip link set lo up' }) });
    }
  }

  if (config?.trainer.accelerateConfig) {
    const f = config.trainer.accelerateConfig;
    const ok = fs.existsSync(f);
    let n: number | undefined;
    try {
      n = ok ? accelerateNumProcesses(f) : undefined;
    } catch {
      /* reported as missing below */
    }
    add({ name: 'accelerate config', ok, detail: ok ? `${f}${n ? ` (num_processes ${n})` : ' (no num_processes: the visible GPUs are used)'}` : `${f} does not exist`, ...(ok ? {} : { fix: `accelerate config --config_file ${q(f)}` }) });
  }
  if (config && config.trainer.backend !== 'sim' && config.model.backend === 'vllm') add(chatTemplateCheck(config));
  const l = config?.trainer.launcher;
  const prefix = l?.kind === 'prefix' ? l.prefix : config?.trainer.launcherPrefix;
  const tools = l?.kind === 'sbatch' ? [l.sbatch ?? 'sbatch', l.squeue ?? 'squeue', l.sacct ?? 'sacct', l.scancel ?? 'scancel'] : prefix?.length ? [prefix[0]] : [];
  for (const t of tools) {
    const r = await runShort([t, '--version'], { timeoutMs: 15_000 });
    add({ name: `launcher ${path.basename(t)}`, ok: !r.missing, detail: r.missing ? `${t}: not found` : (r.stdout || r.stderr).trim().split('\n')[0] ?? t, ...(r.missing ? { fix: 'sudo apt-get install -y slurm-client' } : {}) });
  }

  if (config && (config.model.backend === 'openai' || config.trainer.backend === 'openai' || config.model.apiKeyEnv)) {
    const name = config.model.apiKeyEnv ?? 'OPENAI_API_KEY';
    const has = !!getSecret(name);
    add({
      name: 'api key',
      ok: has,
      detail: has ? `${name} is set (memory or environment)` : `no key for ${name}`,
      ...(has ? {} : { fix: `VS Code: "Self-Rewarding: Set API Key…" (${name}), or: export ${name}=<key> before starting the agent` }),
    });
  }

  const ok = checks.every((c) => c.ok || c.required === false);
  return { checks, ok };
}

/** A version outside the range the command lines were tested against: a warning, not a failure. */
function versionCheck(pkg: keyof typeof TESTED, version: string, where: string): PreflightCheck {
  const r = TESTED[pkg];
  const ok = inTestedRange(pkg, version);
  return {
    name: `${pkg} version`,
    ok,
    required: false,
    detail: ok
      ? `${pkg} ${version} is in the tested range (${r.min} ≤ v < ${r.below}; argv contract: ${r.contract})`
      : `${pkg} ${version} (${where}) is outside the tested range ${r.min} ≤ v < ${r.below}: its command-line flags may differ (argv contract: ${r.contract})`,
    ...(ok ? {} : { fix: `${q(where)} -m pip install '${pkg}>=${r.min},<${r.below}'` }),
  };
}

/** model.vllm.command: its executable must exist; a `vllm` executable also reports its version. */
async function vllmCommandCheck(cmd: string[]): Promise<PreflightCheck> {
  const exe = cmd[0];
  const which = exe.includes('/') ? (fs.existsSync(exe) ? exe : undefined) : (process.env.PATH ?? '').split(':').map((d) => path.join(d, exe)).find((p) => isFile(p));
  if (!which) return { name: 'vllm command', ok: false, detail: `model.vllm.command: ${exe} not found`, fix: exe.includes('/') ? `ls -l ${q(exe)}` : `set model.vllm.command to the full path of ${exe}` };
  if (path.basename(exe) === 'vllm') {
    const v = await runShort([exe, '--version'], { timeoutMs: 120_000 });
    const ver = v.code === 0 ? /\d+\.\d+[^\s]*/.exec(v.stdout)?.[0] : undefined;
    if (ver) {
      const c = versionCheck('vllm', ver, exe);
      return { ...c, name: 'vllm command', ok: true, detail: `model.vllm.command ${cmd.map(q).join(' ')}: vllm ${ver}${c.ok ? '' : ` — ${c.detail}`}` };
    }
  }
  return { name: 'vllm command', ok: true, detail: `model.vllm.command ${cmd.map(q).join(' ')} (${which}; used as given, its packages are not checked)` };
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Conversational rows (and vLLM's chat API) need the model's chat template: look for one beside its config.json. */
function chatTemplateCheck(config: RunConfig): PreflightCheck {
  const model = config.model.name;
  const cfgFile = findModelConfig(model);
  const conversational = config.trainer.rowFormat === 'conversational';
  if (!cfgFile) {
    return { name: 'chat template', ok: true, required: false, detail: `${model}: not a local folder or in the Hugging Face cache yet; its chat template is checked when it is` };
  }
  const dir = path.dirname(cfgFile);
  let has = fs.existsSync(path.join(dir, 'chat_template.jinja')) || fs.existsSync(path.join(dir, 'chat_template.json'));
  if (!has) {
    try {
      has = typeof (JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as { chat_template?: unknown }).chat_template !== 'undefined';
    } catch {
      has = false;
    }
  }
  return has
    ? { name: 'chat template', ok: true, detail: `${model} has a chat template (${dir}): candidates are sampled and${conversational ? '' : ' could be'} trained in it` }
    : {
        name: 'chat template',
        ok: false,
        required: false,
        detail: `${model} has no chat template (${dir}): vLLM's chat API and ${conversational ? 'the conversational training rows' : 'chat requests'} need one`,
        fix: conversational ? 'set trainer.rowFormat to "standard" for a base model, or add a chat template to the tokenizer (tokenizer_config.json chat_template)' : 'add a chat template to the tokenizer (tokenizer_config.json chat_template)',
      };
}
