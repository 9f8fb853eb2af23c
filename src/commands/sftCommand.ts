/**
 * Start SFT (M0 → M1)…: run the SFT iteration 0 of a run that starts from a base model M0 (config `sft.enabled`) —
 * the given or current run when it is one and has not finished iteration 0; otherwise a new run on the simulated
 * pretrained model with the shipped seeds, on the connected agent (or a local one). The iteration is followed like
 * any other (Start Next Iteration's progress, outcome and dashboard).
 */
import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import { openDashboard } from '../dashboard/feature';
import { runIdArg, runsModel } from '../runs/runsModel';
import { DEMO_CONFIG, type IterationOutcome, reportError, runIteration } from './runCommands';

/** A run from the simulated pretrained base model: IFT from the demo answers and 138 ranked groups, EFT from the rest. */
export const SFT_DEMO_CONFIG = {
  name: 'sft-demo',
  model: { ...DEMO_CONFIG.model, name: 'sim-pretrained' },
  seedData: [{ path: 'builtin:demo', format: 'auto' }, { path: 'builtin:ranked', format: 'auto' }],
  prompts: DEMO_CONFIG.prompts,
  trainer: { backend: 'sim' },
  sft: { enabled: true, ift: { maxExamples: 200 } },
};

const errText = (e: unknown): string => (e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e));

async function startSft(services: Services, arg: unknown): Promise<IterationOutcome | undefined> {
  const model = runsModel(services);
  let runId = runIdArg(arg) ?? services.currentRunId;
  try {
    if (runId && model.agent) {
      const snap = await model.track(runId);
      const fromM0 = snap.models.some((m) => m.iteration === 0 && (m.role ?? 'policy') === 'policy');
      const done = snap.iterations.find((it) => it.iteration === 0)?.status === 'done';
      if (fromM0 && done) {
        void vscode.window.showInformationMessage(`"${snap.run.name}" already has its M1 from SFT: use "Start Next Iteration" for the self-rewarding iterations.`);
        return undefined;
      }
      if (!fromM0) runId = undefined;
    }
    if (!runId) {
      const ok = await vscode.window.showInformationMessage(
        'Start a new SFT run on the simulated pretrained model (M0 → SFT baseline and M1, shipped seed data)? For your own model, set "sft": {"enabled": true} in its run config and start its first iteration.',
        { modal: true },
        'Start SFT Run',
      );
      if (ok !== 'Start SFT Run') return undefined;
      if (!model.agent) await services.connection.connectLocal();
      const { run } = await model.requireAgent().request('runs/create', { config: SFT_DEMO_CONFIG });
      runId = run.id;
      await model.refresh();
    }
    services.setCurrentRun(runId);
    openDashboard(services, runId, 0);
  } catch (e) {
    await reportError(services, `Self-Rewarding: could not start SFT: ${errText(e)}`, () => startSft(services, arg));
    return undefined;
  }
  return runIteration(services, runId, undefined);
}

export const sftCommandFeature: Feature = {
  commands: {
    startSft: (s) => (arg?: unknown) => startSft(s, arg),
  },
};
