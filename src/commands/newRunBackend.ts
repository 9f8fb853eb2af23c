/**
 * The model and trainer questions of New Run…: how the model is served (simulated, a managed vLLM server, an
 * external OpenAI-compatible server, OpenAI) and how it is trained. The trainer is always asked or fixed by the
 * model: the simulated trainer trains only the simulated model (the agent refuses any other mix).
 */
import * as vscode from 'vscode';

export type ModelChoice = 'sim' | 'vllm' | 'external' | 'openai';

export interface ModelTrainerAnswers {
  backend: ModelChoice;
  /** served name (external, openai) or model path / hub id (vllm) */
  modelName?: string;
  baseUrl?: string;
  /** vllm: python of the vLLM venv (empty: `vllm` on PATH) */
  vllmPython?: string;
  tensorParallelSize?: number;
  trainer: 'sim' | 'trl' | 'openai';
  /** trl: an accelerate config (multi-GPU / DeepSpeed / FSDP); empty: the visible GPUs */
  accelerateConfig?: string;
  /** trl: python of the training venv (empty: `trl` on PATH) */
  trlPython?: string;
}

/** The run config's model and trainer sections for the answers (the agent fills in the rest from the schema). */
export function modelTrainerConfig(a: ModelTrainerAnswers): { model: Record<string, unknown>; trainer: Record<string, unknown> } {
  let model: Record<string, unknown>;
  switch (a.backend) {
    case 'sim':
      model = { backend: 'sim', name: 'sim-base' };
      break;
    case 'vllm':
      model = {
        backend: 'vllm',
        name: a.modelName,
        vllm: { ...(a.vllmPython ? { python: a.vllmPython } : {}), ...(a.tensorParallelSize && a.tensorParallelSize > 1 ? { tensorParallelSize: a.tensorParallelSize } : {}) },
      };
      break;
    case 'external':
      model = { backend: 'external', name: a.modelName, baseUrls: [a.baseUrl] };
      break;
    case 'openai':
      model = { backend: 'openai', name: a.modelName, apiKeyEnv: 'OPENAI_API_KEY' };
      break;
  }
  const trainer: Record<string, unknown> = { backend: a.trainer };
  if (a.trainer === 'trl') {
    if (a.accelerateConfig) trainer.accelerateConfig = a.accelerateConfig;
    if (a.trlPython) trainer.trl = { python: a.trlPython };
  }
  return { model, trainer };
}

const optional = async (title: string, prompt: string, placeHolder: string): Promise<string | undefined> => {
  const v = await vscode.window.showInputBox({ title, prompt, placeHolder });
  return v === undefined ? undefined : v.trim();
};

/** Ask for the model and the trainer; undefined when the user cancels. */
export async function askModelAndTrainer(title: string): Promise<ModelTrainerAnswers | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Simulated model', description: 'sim — no GPU, instant, for trying things out (trained by the simulated trainer)', backend: 'sim' as const },
      { label: 'Managed vLLM server', description: 'the agent starts `vllm serve` on the GPU box and trains with TRL', backend: 'vllm' as const },
      { label: 'External OpenAI-compatible server', description: 'a vLLM / TGI / llama.cpp server you run', backend: 'external' as const },
      { label: 'OpenAI API', description: 'sampling and DPO fine-tuning at OpenAI', backend: 'openai' as const },
    ],
    { title },
  );
  if (!pick) return undefined;
  const a: ModelTrainerAnswers = { backend: pick.backend, trainer: 'sim' };
  switch (pick.backend) {
    case 'sim':
      return a;
    case 'vllm': {
      const name = await vscode.window.showInputBox({
        title: 'New Run: model to serve and train',
        prompt: 'A local folder (config.json, weights, tokenizer) or a Hugging Face hub id, on the agent host',
        placeHolder: 'meta-llama/Llama-3.1-8B-Instruct',
        validateInput: (v) => (v.trim() ? undefined : 'Enter a folder or a hub id'),
      });
      if (name === undefined) return undefined;
      a.modelName = name.trim();
      const py = await optional('New Run: python of the vLLM venv (optional)', 'Leave empty to run `vllm serve` from the PATH', '/opt/venvs/vllm/bin/python');
      if (py === undefined) return undefined;
      a.vllmPython = py || undefined;
      const tp = await vscode.window.showInputBox({
        title: 'New Run: tensor parallel size',
        prompt: 'GPUs one copy of the model is split over (--tensor-parallel-size)',
        value: '1',
        validateInput: (v) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : 'A whole number ≥ 1'),
      });
      if (tp === undefined) return undefined;
      a.tensorParallelSize = Number(tp.trim());
      a.trainer = 'trl';
      break;
    }
    case 'external': {
      const url = await vscode.window.showInputBox({
        title: 'New Run: server base URL',
        value: 'http://127.0.0.1:8000/v1',
        validateInput: (v) => (/^https?:\/\/[^\s/]+(\/\S*)?$/.test(v.trim()) ? undefined : 'Enter an http(s) URL, e.g. http://127.0.0.1:8000/v1'),
      });
      if (url === undefined) return undefined;
      const modelName = await vscode.window.showInputBox({ title: 'New Run: model name as the server knows it', validateInput: (v) => (v.trim() ? undefined : 'Enter the served model name') });
      if (modelName === undefined) return undefined;
      a.baseUrl = url.trim();
      a.modelName = modelName.trim();
      const t = await vscode.window.showQuickPick(
        [
          { label: 'TRL on the agent host', description: 'trains the weights named by the model name; you serve each new checkpoint', trainer: 'trl' as const },
          { label: 'OpenAI fine-tuning', description: 'for an OpenAI-compatible endpoint that fine-tunes', trainer: 'openai' as const },
        ],
        { title: 'New Run: trainer (a real model is never trained by the simulation)' },
      );
      if (!t) return undefined;
      a.trainer = t.trainer;
      break;
    }
    case 'openai': {
      const name = await vscode.window.showInputBox({ title: 'New Run: OpenAI model to sample from and fine-tune', value: 'gpt-4.1-mini-2025-04-14', validateInput: (v) => (v.trim() ? undefined : 'Enter a model name') });
      if (name === undefined) return undefined;
      a.modelName = name.trim();
      a.trainer = 'openai';
      return a;
    }
  }
  if (a.trainer === 'trl') {
    const acc = await optional('New Run: TRL — accelerate config (optional)', 'An accelerate config file for several GPUs / DeepSpeed / FSDP; empty: one process per visible GPU', '/home/me/accelerate/zero3.yaml');
    if (acc === undefined) return undefined;
    a.accelerateConfig = acc || undefined;
    const py = await optional('New Run: TRL — python of the training venv (optional)', 'Leave empty to run `trl` from the PATH', '/opt/venvs/trl/bin/python');
    if (py === undefined) return undefined;
    a.trlPython = py || undefined;
  }
  return a;
}
