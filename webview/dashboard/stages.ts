/** Per-iteration stage progress: a bar, counts, rate and ETA per stage, and the rubric version the iteration used. */
import type { IterationState, RunSnapshot, StageState } from '../../remote/protocol';
import { h } from '../components/dom';
import { fmtEta, fmtRate } from './format';
import { iterationLabel } from '../../remote/modelNames';

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function stageRow(st: StageState): HTMLElement {
  const pct = st.total > 0 ? Math.min(100, (100 * st.done) / st.total) : st.status === 'done' ? 100 : 0;
  const fill = h('div', { class: 'fill' });
  fill.style.width = `${pct.toFixed(1)}%`;
  return h(
    'div',
    { class: `stage status-${st.status}`, 'data-stage': st.stage },
    h('span', { class: 'stage-name' }, st.stage),
    h('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': Math.round(pct), 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': `${st.stage} progress` }, fill),
    h('span', { class: 'stage-counts' }, `${st.done}/${st.total}`, st.failed ? h('span', { class: 'error' }, ` · ${st.failed} failed`) : null),
    h('span', { class: 'stage-rate muted' }, fmtRate(st.ratePerSec)),
    h('span', { class: 'stage-eta muted' }, st.status === 'running' ? `ETA ${fmtEta(st.etaSec)}` : st.status),
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

export function iterationBlock(it: IterationState, snapshot: RunSnapshot, focused: boolean): HTMLElement {
  const rubric = snapshot.rubricVersions.find((r) => r.version === it.rubricVersion);
  return h(
    'div',
    { class: `iteration status-${it.status}${focused ? ' focused' : ''}`, 'data-iteration': it.iteration, id: `iteration-${it.iteration}` },
    h(
      'div',
      { class: 'iteration-head' },
      h('strong', null, cap(iterationLabel(it.iteration))),
      h('vscode-badge', { class: 'status' }, it.status),
      h('span', { class: 'muted model' }, it.modelIn || '–', it.modelOut ? ` → ${it.modelOut}` : ''),
      h('span', { class: 'muted rubric', title: rubric ? `rubric hash ${rubric.hash}` : undefined }, `rubric v${it.rubricVersion}`),
    ),
    it.status === 'waiting' ? gateNotice(it) : null,
    ...it.stages.map(stageRow),
  );
}
