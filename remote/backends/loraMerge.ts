/**
 * LoRA keeps the chain: after a LoRA iteration the adapter is merged into full weights (peft's
 * `PeftModel.from_pretrained(base, adapter).merge_and_unload()`, then `save_pretrained`), so M_{t+1} is a full
 * model and the next iteration trains (and serves) from it. The step is a small Python script bundled here as text,
 * written beside the output and run with the trainer's python (trainer.trl.python, else python3).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnManaged } from './processes';
import { shellQuote } from '../shellQuote';

/** The merge script. Arguments: --base=B --adapter=A --out=O [--dtype=bfloat16|auto]; prints one JSON line. */
export const MERGE_SCRIPT = `# selfreward: merge a LoRA adapter into its base weights (peft merge_and_unload)
import argparse, json, os, sys

p = argparse.ArgumentParser(description="merge a LoRA adapter into full weights")
p.add_argument("--base", required=True)
p.add_argument("--adapter", required=True)
p.add_argument("--out", required=True)
p.add_argument("--dtype", default="auto", choices=["auto", "bfloat16", "float16", "float32"])
a = p.parse_args()

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

dtype = "auto" if a.dtype == "auto" else getattr(torch, a.dtype)
model = AutoModelForCausalLM.from_pretrained(a.base, dtype=dtype)
model = PeftModel.from_pretrained(model, a.adapter).merge_and_unload()
model.save_pretrained(a.out, safe_serialization=True)
# the tokenizer (and its chat template) the adapter was trained with, else the base's
src = a.adapter if os.path.exists(os.path.join(a.adapter, "tokenizer_config.json")) else a.base
AutoTokenizer.from_pretrained(src).save_pretrained(a.out)
print(json.dumps({"merged": a.out, "base": a.base, "adapter": a.adapter}), flush=True)
`;

export interface MergeRequest {
  python: string;
  /** command prefix (a launcher such as srun), if any */
  prefix?: string[];
  base: string;
  adapter: string;
  out: string;
  bf16?: boolean;
  logFile: string;
  cwd: string;
  signal: AbortSignal;
  onLine?(line: string): void;
}

export function mergeCommand(r: Pick<MergeRequest, 'python' | 'prefix' | 'base' | 'adapter' | 'out' | 'bf16'>, script: string): string[] {
  return [...(r.prefix ?? []), r.python, script, `--base=${r.base}`, `--adapter=${r.adapter}`, `--out=${r.out}`, `--dtype=${r.bf16 ? 'bfloat16' : 'auto'}`];
}

/** Run the merge; resolves when `out` holds a full model (config.json), throws with the log tail otherwise. */
export async function mergeLora(r: MergeRequest): Promise<void> {
  const script = path.join(r.cwd, 'merge_lora.py');
  fs.writeFileSync(script, MERGE_SCRIPT);
  fs.rmSync(r.out, { recursive: true, force: true });
  const cmd = mergeCommand(r, script);
  const proc = spawnManaged(cmd, { logFile: r.logFile, cwd: r.cwd, onLine: r.onLine, mergeStderr: true, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const onAbort = (): void => void proc.stop(10_000);
  r.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const e = await proc.exited;
    if (r.signal.aborted) throw new Error('training stopped during the LoRA merge');
    if (e.code !== 0 || !fs.existsSync(path.join(r.out, 'config.json'))) {
      throw new Error(`LoRA merge failed (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}): ${cmd.map(shellQuote).join(' ')}\n` +
        `It needs peft and transformers in ${r.python} (set trainer.trl.python). Last lines of ${r.logFile}:\n${proc.tail(30).join('\n')}`);
    }
  } finally {
    r.signal.removeEventListener('abort', onAbort);
  }
}
