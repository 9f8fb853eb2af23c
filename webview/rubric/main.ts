/**
 * Rubric Preview panel: one row per preview sample (draft score vs the rubric in use, delta, the K raw scores, the
 * justification, parse failures), rows updating as scores stream in, and a summary with the A/B on labelled sets.
 * All text goes in through h()/textContent.
 */
import { defaultTransport } from '../transport';
import { h, replaceChildren } from '../components/dom';
import type { RubricHostMessage, RubricViewMessage } from './protocol';
import { PreviewModel, type SampleRow } from './model';

const transport = defaultTransport<RubricHostMessage, RubricViewMessage, { setLabel?: string }>();
const model = new PreviewModel();
const root = document.getElementById('root') as HTMLElement;

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '–' : x.toFixed(digits));
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
const signed = (x: number | null): string => (x === null ? '–' : `${x > 0 ? '+' : ''}${x.toFixed(2)}`);
const excerpt = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const useBtn = h('button', { type: 'button', id: 'use-rubric', title: 'Store this rubric as a new version of the run, used from the next iteration' }, 'Use for Next Iteration');
const setBtn = h('button', { type: 'button', id: 'choose-set', class: 'secondary' }, 'Preview Set…');
useBtn.addEventListener('click', () => transport.post({ type: 'useRubric' }));
setBtn.addEventListener('click', () => transport.post({ type: 'chooseSet' }));
const title = h('h2', null, 'Rubric preview');
const setLabel = h('span', { class: 'muted', id: 'set-label' });
const status = h('div', { id: 'status', class: 'status', role: 'status' });
const lint = h('ul', { id: 'lint', class: 'lint' });
const progress = h('div', { class: 'progress' });
const progressBar = h('div', { class: 'progress-bar' });
progress.append(progressBar);
const summaryEl = h('section', { id: 'summary', class: 'summary' });
const tbody = h('tbody');
const table = h('table', { id: 'rows', class: 'rows' },
  h('thead', null, h('tr', null,
    h('th', null, 'Sample'), h('th', { class: 'num' }, 'In use'), h('th', { class: 'num' }, 'Draft'), h('th', { class: 'num' }, 'Δ'),
    h('th', null, 'K scores'), h('th', null, 'Justification'))),
  tbody);
const empty = h('p', { class: 'muted', id: 'empty' }, 'No preview samples yet: pin samples from the dashboard or the pairs editor, or choose a labelled set.');
root.append(h('header', { class: 'bar' }, title, setLabel, h('span', { class: 'spacer' }), setBtn, useBtn), progress, status, lint, summaryEl, table, empty);

const rowEls = new Map<string, HTMLTableRowElement>();

function renderRow(r: SampleRow): HTMLTableRowElement {
  let tr = rowEls.get(r.sample.id);
  if (!tr) {
    tr = h('tr', { 'data-sample': r.sample.id });
    rowEls.set(r.sample.id, tr);
  }
  const k = model.draftRun?.k ?? model.k;
  const chips = h('span', { class: 'chips' });
  for (let i = 0; i < k; i++) {
    const s = r.draftScores[i];
    if (i >= r.draftScores.length) chips.append(h('span', { class: 'chip pending', title: 'waiting' }, '·'));
    else if (s === null || s === undefined) chips.append(h('span', { class: 'chip fail', title: 'parse failure: no Score line' }, '✕'));
    else chips.append(h('span', { class: 'chip' }, fmt(s, s % 1 ? 1 : 0)));
  }
  const just = r.justifications.find((t) => t) ?? '';
  const delta = h('td', { class: `num delta${r.delta === null ? '' : r.delta > 0 ? ' up' : r.delta < 0 ? ' down' : ''}` }, signed(r.delta));
  const label = r.sample.humanRank !== undefined ? h('span', { class: 'badge', title: 'human rank in its group' }, `#${r.sample.humanRank}`) : null;
  replaceChildren(tr,
    h('td', { class: 'sample' },
      h('div', { class: 'prompt', title: r.sample.prompt }, label, ' ', excerpt(r.sample.prompt, 140)),
      h('div', { class: 'answer muted', title: r.sample.answer }, excerpt(r.sample.answer, 220))),
    h('td', { class: 'num baseline' }, fmt(r.baseline)),
    h('td', { class: `num draft${r.complete ? '' : ' partial'}` }, fmt(r.draftMean)),
    delta,
    h('td', { class: 'kscores' }, chips, r.parseFailures ? h('div', { class: 'error fails' }, `${r.parseFailures} parse failure${r.parseFailures > 1 ? 's' : ''}`) : null),
    h('td', { class: 'justification' }, just
      ? h('details', null, h('summary', null, excerpt(just.split('\n')[0], 90)), ...r.justifications.map((t, i) => h('pre', { class: 'mono' }, `#${i + 1}: ${t}`)))
      : h('span', { class: 'muted' }, '–')),
  );
  return tr;
}

function card(label: string, value: string, sub?: string, id?: string): HTMLElement {
  return h('div', { class: 'card', id }, h('div', { class: 'label muted' }, label), h('div', { class: 'value' }, value), sub ? h('div', { class: 'sub muted' }, sub) : null);
}

function renderSummary(): void {
  const s = model.summary();
  const cards: HTMLElement[] = [
    card('Mean score (draft)', fmt(s.draftMean), `in use: ${fmt(s.baselineMean)}`, 'mean'),
    card('Parse failures', pct(s.parseFailureRate), `${s.scoresIn} of ${s.scoresExpected} scores in`, 'parse'),
    card('Spread (σ of sample scores)', fmt(s.spread), undefined, 'spread'),
  ];
  const parts: HTMLElement[] = [h('div', { class: 'cards' }, ...cards)];
  if (s.ab) {
    const line = (name: string, a: number | null, b: number | null, asPct: boolean): HTMLElement => {
      const d = a !== null && b !== null ? b - a : null;
      return h('tr', null, h('td', null, name), h('td', { class: 'num' }, asPct ? pct(a) : fmt(a, 3)), h('td', { class: 'num' }, asPct ? pct(b) : fmt(b, 3)),
        h('td', { class: `num delta${d === null ? '' : d > 0 ? ' up' : d < 0 ? ' down' : ''}` }, d === null ? '–' : asPct ? `${d > 0 ? '+' : ''}${(d * 100).toFixed(1)} pt` : signed(d)));
    };
    parts.push(h('table', { class: 'ab', id: 'ab' },
      h('caption', null, `Agreement with human rankings (${s.ab.groups} labelled group${s.ab.groups === 1 ? '' : 's'})`),
      h('thead', null, h('tr', null, h('th', null, ''), h('th', { class: 'num' }, 'Rubric in use'), h('th', { class: 'num' }, 'Draft'), h('th', { class: 'num' }, 'Δ'))),
      h('tbody', null,
        line('Pairwise accuracy', s.ab.inUse.pairwiseAccuracy, s.ab.draft.pairwiseAccuracy, true),
        line('Kendall τ-b', s.ab.inUse.kendallTau, s.ab.draft.kendallTau, false))));
  }
  replaceChildren(summaryEl, ...parts);
  const frac = s.scoresExpected ? s.scoresIn / s.scoresExpected : 0;
  progressBar.style.width = `${(frac * 100).toFixed(1)}%`;
  const run = model.draftRun;
  let text = '';
  let cls = 'status';
  if (model.status) {
    text = model.status.text;
    if (model.status.level === 'error') cls += ' error';
  }
  if (run?.error) {
    text = `Preview failed: ${run.error}`;
    cls = 'status error';
  } else if (run && !run.done) text = `Judging with the draft… ${s.scoresIn}/${s.scoresExpected} scores`;
  else if (run?.done && !run.cancelled) {
    const fails = Math.round((s.parseFailureRate ?? 0) * s.scoresIn);
    text = `Draft judged: ${s.scoresIn}/${s.scoresExpected} scores${fails ? `, ${fails} parse failure${fails > 1 ? 's' : ''}` : ''}`;
  }
  status.className = cls;
  status.textContent = text;
}

function renderLint(): void {
  replaceChildren(lint, ...model.lint.map((p) => h('li', { class: p.severity === 'error' ? 'error' : 'warning' }, p.message)));
  const errors = model.lint.filter((p) => p.severity === 'error').length;
  useBtn.disabled = errors > 0;
  useBtn.title = errors ? 'Fix the rubric errors first' : 'Store this rubric as a new version of the run, used from the next iteration';
}

function renderAll(): void {
  setLabel.textContent = model.setLabel ? `${model.setLabel} · ${model.samples.length} samples · K=${model.k}` : '';
  for (const [id, el] of rowEls) if (!model.samples.some((s) => s.id === id)) { el.remove(); rowEls.delete(id); }
  tbody.replaceChildren(...model.rows().map(renderRow));
  empty.hidden = model.samples.length > 0;
  renderSummary();
}

transport.onMessage((m) => {
  const changed = model.apply(m);
  if (changed.has('*')) renderAll();
  else {
    const byId = new Map(model.samples.map((s) => [s.id, s]));
    for (const id of changed) {
      const s = byId.get(id);
      if (s) renderRow(model.row(s));
    }
    renderSummary();
  }
  if (m.type === 'lint') renderLint();
  if (m.type === 'set') transport.setState({ setLabel: m.setLabel });
});
renderAll();
transport.post({ type: 'ready' });
