/**
 * The one reducer of run events into a RunSnapshot. The daemon keeps its snapshots current with it, and the
 * extension (RunMirror) and the dashboard webview apply streamed events with the same function, so every side draws
 * the same state. No node imports: it is bundled into webviews.
 *
 * `applyEvent` is pure: it never mutates its inputs and returns a new snapshot that shares the unchanged parts
 * (structural sharing keeps the per-event cost small: only the touched iteration and stage are copied). Events whose
 * seq is not after the snapshot's seq are ignored (returned snapshot === input), so replaying an overlap is harmless.
 */
import { modelPath } from '../modelNames';
import { STAGE_ORDER, stagesOf } from '../protocol';
import type { EvalResultRef, IterationState, RunEvent, RunSnapshot, RunSummary, StageName, StageState } from '../protocol';

export function emptyStage(stage: StageName): StageState {
  return { stage, status: 'pending', done: 0, total: 0, failed: 0, ratePerSec: 0, etaSec: null };
}

/** A new iteration starts with the stages its kind runs, pending (an SFT iteration 0 runs other stages than a DPO
 * iteration); a stage not in that plan is added when it starts. Views leave out the stages an ended iteration never
 * started (the review with the gate off). */
export function emptyIteration(iteration: number): IterationState {
  return { iteration, status: 'running', modelIn: '', rubricVersion: 0, stages: stagesOf(iteration).map(emptyStage), train: [] };
}

/** The run status as the iterations say it: the last iteration decides. */
export function runStatusOf(iterations: IterationState[]): RunSummary['status'] {
  const last = iterations[iterations.length - 1];
  if (!last) return 'idle';
  if (last.status === 'running') return 'running';
  if (last.status === 'waiting') return 'waiting';
  if (last.status === 'failed') return 'failed';
  return 'idle';
}

function withIteration(s: RunSnapshot, t: number, update: (it: IterationState) => IterationState): IterationState[] {
  const i = s.iterations.findIndex((it) => it.iteration === t);
  const next = s.iterations.slice();
  if (i >= 0) next[i] = update(next[i]);
  else {
    next.push(update(emptyIteration(t)));
    next.sort((a, b) => a.iteration - b.iteration);
  }
  return next;
}

function withStage(it: IterationState, stage: StageName, update: (st: StageState) => StageState): IterationState {
  const i = it.stages.findIndex((st) => st.stage === stage);
  const stages = it.stages.slice();
  if (i >= 0) stages[i] = update(stages[i]);
  else {
    // A stage an iteration runs only when asked (meta-judge) goes where it runs, not at the end.
    const rank = (x: StageName): number => STAGE_ORDER.indexOf(x);
    const at = rank(stage) < 0 ? -1 : stages.findIndex((st) => rank(st.stage) > rank(stage));
    stages.splice(at < 0 ? stages.length : at, 0, update(emptyStage(stage)));
  }
  return { ...it, stages };
}

/** The latest result per (kind, model, other side): a newer evaluation of the same replaces the older (as its file does). */
function withEval(evals: readonly EvalResultRef[], r: EvalResultRef): EvalResultRef[] {
  const same = (x: EvalResultRef): boolean => x.kind === r.kind && x.model.key === r.model.key && x.against?.key === r.against?.key;
  return evals.filter((x) => !same(x)).concat(r);
}

/** The next snapshot after `ev` (see the module comment for the contract). */
export function applyEvent(s: RunSnapshot, ev: RunEvent): RunSnapshot {
  if (ev.seq <= s.seq) return s;
  let iterations = s.iterations;
  let models = s.models;
  let rubricVersions = s.rubricVersions;
  let metaTemplateVersions = s.metaTemplateVersions;
  let evals = s.evals;
  let name = s.run.name;
  switch (ev.type) {
    case 'run.created':
    case 'run.renamed':
      name = ev.name;
      break;
    case 'iteration.started':
      iterations = withIteration(s, ev.iteration, (it) => ({
        ...it,
        status: 'running',
        modelIn: ev.modelIn,
        rubricVersion: ev.rubricVersion,
        // the stages it will run, keeping what a resumed iteration's stages already hold (and any that has started)
        stages: ev.stages ? [...ev.stages.map((name) => it.stages.find((st) => st.stage === name) ?? emptyStage(name)), ...it.stages.filter((st) => !ev.stages!.includes(st.stage) && st.status !== 'pending')] : it.stages,
      }));
      break;
    case 'iteration.finished':
      iterations = withIteration(s, ev.iteration, (it) => ({
        ...it,
        status: 'done',
        summary: ev.summary,
        // IterationState.modelOut is the model's id/path like modelIn (summary.modelOut is its name, M2 …)
        modelOut: ev.summary.modelOutPath ?? it.modelOut,
      }));
      break;
    case 'iteration.failed':
    case 'iteration.stopped': {
      const status = ev.type === 'iteration.failed' ? 'failed' : 'stopped';
      iterations = withIteration(s, ev.iteration, (it) => {
        const stopped = { ...it, status } as IterationState;
        // The stage that was running ends with the iteration; finished stages keep their status.
        return {
          ...stopped,
          stages: stopped.stages.map((st) =>
            st.status === 'running' || st.status === 'waiting' || st.stage === ev.stage && st.status !== 'done'
              ? { ...st, status, ratePerSec: 0, etaSec: null }
              : st,
          ),
        };
      });
      break;
    }
    case 'stage.started':
      iterations = withIteration(s, ev.iteration, (it) =>
        withStage({ ...it, status: 'running' }, ev.stage, () => ({ ...emptyStage(ev.stage), status: 'running', total: ev.total })),
      );
      break;
    case 'stage.progress':
      iterations = withIteration(s, ev.iteration, (it) =>
        withStage(it, ev.stage, (st) => ({
          ...st,
          status: 'running',
          done: ev.done,
          total: ev.total,
          failed: ev.failed,
          ratePerSec: ev.ratePerSec,
          etaSec: ev.etaSec,
        })),
      );
      break;
    case 'stage.finished':
      iterations = withIteration(s, ev.iteration, (it) =>
        withStage(it, ev.stage, (st) => ({ ...st, status: 'done', done: Math.max(st.done, st.total), ratePerSec: 0, etaSec: 0, counts: ev.counts })),
      );
      break;
    case 'review.waiting':
      iterations = withIteration(s, ev.iteration, (it) =>
        withStage({ ...it, status: 'waiting' }, 'review', (st) => ({ ...st, status: 'waiting', total: ev.pairs })),
      );
      break;
    case 'review.completed':
      iterations = withIteration(s, ev.iteration, (it) =>
        withStage({ ...it, status: it.status === 'waiting' ? 'running' : it.status }, 'review', (st) => ({
          ...st,
          status: 'done',
          done: ev.accepted + ev.rejected,
          total: Math.max(st.total, ev.accepted + ev.rejected),
          etaSec: 0,
        })),
      );
      break;
    case 'train.metrics':
      iterations = withIteration(s, ev.iteration, (it) => {
        // A resumed training may report a step again: the newer report replaces the older. Iteration 0 trains two
        // models one after the other (stage sft-baseline, then sft): the curve shown is the latest training's.
        const fresh = ev.stage !== undefined && ev.stage !== it.trainStage;
        const train = (fresh ? [] : it.train).filter((m) => m.step !== ev.metrics.step);
        train.push(ev.metrics);
        if (train.length > 1 && train[train.length - 2].step > ev.metrics.step) train.sort((a, b) => a.step - b.step);
        return { ...it, train, ...(ev.stage !== undefined ? { trainStage: ev.stage } : {}) };
      });
      break;
    case 'model.registered': {
      // One entry per (iteration, role): an SFT baseline registered beside M1 does not replace it.
      const role = ev.model.role ?? 'policy';
      models = models.filter((m) => m.iteration !== ev.iteration || (m.role ?? 'policy') !== role).concat(ev.model).sort((a, b) => a.iteration - b.iteration);
      // Iteration t−1 produced the policy model iteration t runs with.
      if (role === 'policy' && iterations.some((it) => it.iteration === ev.iteration - 1)) {
        iterations = withIteration(s, ev.iteration - 1, (it) => ({ ...it, modelOut: modelPath(ev.model) }));
      }
      break;
    }
    case 'rubric.version':
      if (ev.kind === 'meta-judge') {
        const known = metaTemplateVersions ?? [];
        if (!known.some((r) => r.version === ev.version)) metaTemplateVersions = known.concat({ version: ev.version, hash: ev.hash }).sort((a, b) => a.version - b.version);
      } else if (!rubricVersions.some((r) => r.version === ev.version)) {
        rubricVersions = rubricVersions.concat({ version: ev.version, hash: ev.hash }).sort((a, b) => a.version - b.version);
      }
      break;
    case 'eval.finished':
      evals = withEval(s.evals ?? [], ev.result);
      break;
    default:
      // prompt/candidate/judgment/pair/review.decision/error/log: records, not state; only the seq moves.
      break;
  }
  const run: RunSummary = {
    ...s.run,
    name,
    iterations: iterations.length,
    status: runStatusOf(iterations),
    lastSeq: ev.seq,
  };
  return { ...s, run, iterations, models, rubricVersions, ...(metaTemplateVersions ? { metaTemplateVersions } : {}), ...(evals ? { evals } : {}), seq: ev.seq };
}

/** Apply a batch in order (events at or before the snapshot's seq are skipped). */
export function applyEvents(s: RunSnapshot, events: readonly RunEvent[]): RunSnapshot {
  let out = s;
  for (const ev of events) out = applyEvent(out, ev);
  return out;
}
