/**
 * Per-iteration stage progress. Each stage of the iteration (its kind's plan, then any other that started; any stage
 * name, so new kinds of iteration render too) gets a bar, its count in its own unit (remote/counts.ts), rate and
 * ETA; an iteration that has ended leaves out the stages it never started. Finished iterations fold into one line
 * with their outcome; the running, waiting, failed or focused one is open.
 */
import type { IterationState, RunSnapshot, StageState } from '../../remote/protocol';
import { pairsText, stageCountText } from '../../remote/counts';
import { iterationTitle, modelDisplay, policyModel } from '../../remote/modelNames';
import { h } from '../components/dom';
import { fmtEta, fmtRate } from './format';

function stageRow(st: StageState, it: IterationState, stopping: boolean): HTMLElement {
  // A running training counts trainer steps (its train.metrics), not stage items.
  const step = st.stage === 'training' && st.status === 'running' ? it.train[it.train.length - 1] : undefined;
  const frac = step?.totalSteps ? step.step / step.totalSteps : st.total > 0 ? st.done / st.total : 0;
  const pct = st.status === 'done' ? 100 : Math.min(100, 100 * frac);
  const etaSec = step ? (step.etaSec ?? null) : st.etaSec;
  const fill = h('div', { class: 'fill' });
  fill.style.width = `${pct.toFixed(1)}%`;
  const count = stageCountText(st, it.train);
  const running = st.status === 'running';
  const state = running && stopping ? 'stopping…' : running ? (etaSec === null ? 'ETA –' : `ETA ${fmtEta(etaSec)}`) : st.status;
  return h(
    'div',
    { class: `stage status-${st.status}`, 'data-stage': st.stage },
    h('span', { class: 'stage-name', title: st.stage }, st.stage),
    h('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': Math.round(pct), 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': `${st.stage} progress` }, fill),
    h('span', { class: 'stage-counts', title: count.title }, count.text),
    h('span', { class: 'stage-rate muted' }, running && !step ? fmtRate(st.ratePerSec) : ''),
    h('span', { class: 'stage-eta muted', title: running && etaSec === null ? 'estimated once the rate has settled' : undefined }, state),
  );
}

/** The review gate holds training: say so where the user looks, and what releases it. */
function gateNotice(it: IterationState): HTMLElement {
  const review = it.stages.find((s) => s.stage === 'review');
  return h(
    'div',
    { class: 'gate-notice', role: 'status' },
    h('strong', null, 'Review gate: '),
    `training waits until the ${review?.total ?? ''} pairs are reviewed. Open "Review Pairs", decide, save, then "Complete review"; only accepted, flipped and edited pairs train.`,
  );
}

/** "M1 → M2" with the full paths in the tooltip. */
export function modelsCell(snapshot: RunSnapshot, it: IterationState): HTMLElement {
  const mIn = modelDisplay(policyModel(snapshot.models, it.iteration), it.modelIn || '–');
  const out = policyModel(snapshot.models, it.iteration + 1);
  const mOut = out && (it.status === 'done' || it.modelOut) ? modelDisplay(out) : undefined;
  return h('span', { class: 'model', title: [mIn.title, mOut?.title].filter(Boolean).join('\n') }, mIn.label, mOut ? ` → ${mOut.label}` : '');
}

export function iterationBlock(it: IterationState, snapshot: RunSnapshot, focused: boolean, stopping: boolean): HTMLElement {
  const rubric = snapshot.rubricVersions.find((r) => r.version === it.rubricVersion);
  const active = it.status === 'running' || it.status === 'waiting';
  const open = focused || active || it.status === 'failed' || it.status === 'stopped';
  const status = active && stopping ? 'stopping…' : it.status;
  const head = h(
    'div',
    { class: 'iteration-head' },
    h('strong', null, iterationTitle(it.iteration)),
    h('vscode-badge', { class: 'status' }, status),
    h('span', { class: 'muted' }, modelsCell(snapshot, it)),
    h('span', { class: 'muted rubric', title: rubric ? `rubric hash ${rubric.hash}` : undefined }, `rubric v${it.rubricVersion}`),
    it.summary ? h('span', { class: 'outcome' }, pairsText(it.summary)) : null,
  );
  const stages = active ? it.stages : it.stages.filter((st) => st.status !== 'pending');
  const body = [it.status === 'waiting' ? gateNotice(it) : null, ...stages.map((st) => stageRow(st, it, stopping))];
  if (open) return h('div', { class: `iteration status-${it.status}${focused ? ' focused' : ''}`, 'data-iteration': it.iteration, id: `iteration-${it.iteration}` }, head, ...body);
  // Folded: the head is the summary; the stages are one click away.
  const summary = h('summary', null, head);
  return h('details', { class: `iteration folded status-${it.status}`, 'data-iteration': it.iteration, id: `iteration-${it.iteration}` }, summary, ...body);
}
