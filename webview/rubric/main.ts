/**
 * Rubric Preview panel: one row per preview sample (draft score vs the rubric in use, delta with its noise band, the
 * K raw scores, the justification, parse failures), rows updating as scores stream in, and a summary with the mean
 * delta and its uncertainty and the A/B on labelled sets. "More samples" raises K. Narrow panels show each sample as
 * a card. All text goes in through h()/textContent.
 */
import { defaultTransport } from '../transport';
import { h, replaceChildren } from '../components/dom';
import type { RubricHostMessage, RubricViewMessage } from './protocol';
import { PreviewModel, Z95, type SampleRow } from './model';

const transport = defaultTransport<RubricHostMessage, RubricViewMessage, { setLabel?: string }>();
const model = new PreviewModel();
const root = document.getElementById('root') as HTMLElement;

const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '–' : x.toFixed(digits));
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
const signed = (x: number | null): string => (x === null ? '–' : `${x > 0 ? '+' : ''}${x.toFixed(2)}`);
const MAX_K = 16;
const excerpt = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const useBtn = h('button', { type: 'button', id: 'use-rubric', title: 'Store this rubric as a new version of the run, used from the next iteration' }, 'Use for Next Iteration');
const setBtn = h('button', { type: 'button', id: 'choose-set', class: 'secondary' }, 'Preview Set…');
const moreBtn = h('button', { type: 'button', id: 'more-samples', class: 'secondary', title: 'Judge every answer again with twice as many samples: smaller noise bands' }, 'More samples');
useBtn.addEventListener('click', () => transport.post({ type: 'useRubric' }));
setBtn.addEventListener('click', () => transport.post({ type: 'chooseSet' }));
moreBtn.addEventListener('click', () => transport.post({ type: 'moreSamples' }));
const title = h('h2', null, 'Rubric preview');
const setLabel = h('span', { class: 'muted', id: 'set-label' });
const compare = h('div', { class: 'muted', id: 'compare' });
const noiseNote = h('div', { class: 'muted note', id: 'noise-note' });
const status = h('div', { id: 'status', class: 'status', role: 'status' });
const lint = h('ul', { id: 'lint', class: 'lint' });
const progress = h('div', { class: 'progress' });
const progressBar = h('div', { class: 'progress-bar' });
progress.append(progressBar);
const summaryEl = h('section', { id: 'summary', class: 'summary' });
const tbody = h('tbody');
const table = h('table', { id: 'rows', class: 'rows' },
  h('thead', null, h('tr', null,
    h('th', null, 'Sample'), h('th', { class: 'num' }, 'In use'), h('th', { class: 'num' }, 'Draft'), h('th', { class: 'num', title: 'draft − in use, ± its 95 % noise band' }, 'Δ'),
    h('th', null, 'K scores'), h('th', null, 'Justification'))),
  tbody);
const empty = h('p', { class: 'muted', id: 'empty' }, 'No preview samples yet: pin samples from the dashboard or the pairs editor, or choose a labelled set.');
root.append(h('header', { class: 'bar' }, title, setLabel, h('span', { class: 'spacer' }), moreBtn, setBtn, useBtn), compare, progress, status, lint, summaryEl, noiseNote, table, empty);

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
  const dir = r.delta === null ? '' : r.delta > 0 ? ' up' : r.delta < 0 ? ' down' : '';
  const band = r.deltaSe === null ? null : Z95 * r.deltaSe;
  const delta = h(
    'td',
    { class: `num delta${dir}${r.withinNoise ? ' noise' : ''}`, 'data-label': 'Δ', title: r.withinNoise ? 'within noise: a change this small can come from judge sampling alone' : band !== null ? 'beyond the 95 % noise band' : undefined },
    h('span', { class: 'd' }, signed(r.delta)),
    band !== null ? h('span', { class: 'ci' }, ` ±${band.toFixed(2)}`) : null,
    r.withinNoise ? h('span', { class: 'noise-tag' }, ' noise') : null,
  );
  const label = r.sample.humanRank !== undefined ? h('span', { class: 'badge', title: 'human rank in its group' }, `#${r.sample.humanRank}`) : null;
  replaceChildren(tr,
    h('td', { class: 'sample' },
      h('div', { class: 'prompt', title: r.sample.prompt }, label, ' ', excerpt(r.sample.prompt, 140)),
      h('div', { class: 'answer muted', title: r.sample.answer }, excerpt(r.sample.answer, 220))),
    h('td', { class: 'num baseline', 'data-label': 'In use' }, fmt(r.baseline)),
    h('td', { class: `num draft${r.complete ? '' : ' partial'}`, 'data-label': 'Draft' }, fmt(r.draftMean)),
    delta,
    h('td', { class: 'kscores', 'data-label': 'K scores' }, chips, r.parseFailures ? h('div', { class: 'error fails' }, `${r.parseFailures} parse failure${r.parseFailures > 1 ? 's' : ''}`) : null),
    h('td', { class: 'justification', 'data-label': 'Justification' }, just
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
  const meanBand = s.meanDeltaSe === null ? null : Z95 * s.meanDeltaSe;
  const cards: HTMLElement[] = [
    card('Mean score (draft)', fmt(s.draftMean), `in use: ${fmt(s.baselineMean)}`, 'mean'),
    card('Mean Δ (draft − in use)', `${signed(s.meanDelta)}${meanBand !== null ? ` ±${meanBand.toFixed(2)}` : ''}`,
      s.meanDeltaWithinNoise === null ? 'noise band: needs 2+ answers' : s.meanDeltaWithinNoise ? 'within noise: may be sampling alone' : 'beyond noise (95 %)', 'delta'),
    card('Beyond noise', `↑${s.changed.up} ↓${s.changed.down}`, `${s.changed.within} within noise`, 'changed'),
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
  summaryEl.querySelector('#delta')?.classList.toggle('noise', s.meanDeltaWithinNoise === true);
  const k = model.draftRun?.k ?? model.k;
  noiseNote.textContent = s.sigma === null
    ? `Noise bands need answers with 2 or more valid judge samples (K = ${k} now): use More samples.`
    : `± is the 95 % band (${Z95} standard errors) from the judge's own sample-to-sample spread, pooled over this set: σ = ${s.sigma.toFixed(2)} per judge sample, K = ${k} draft samples per answer. A Δ inside its band is marked "noise".`;
  moreBtn.textContent = k >= MAX_K ? `K = ${k} (most)` : `More samples (K ${k} → ${Math.min(MAX_K, k * 2)})`;
  moreBtn.toggleAttribute('disabled', k >= MAX_K);
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
  compare.textContent = model.runName ? `Compares the draft with rubric v${model.rubricVersion ?? '?'} in use by run “${model.runName}”.` : '';
  for (const [id, el] of rowEls) if (!model.samples.some((s) => s.id === id)) { el.remove(); rowEls.delete(id); }
  tbody.replaceChildren(...model.rows().map(renderRow));
  empty.hidden = model.samples.length > 0;
  renderSummary();
}

transport.onMessage((m) => {
  const changed = model.apply(m);
  // Every new score moves the pooled spread, so every row's noise band: redraw all rows.
  if (changed.size) renderAll();
  else renderSummary();
  if (m.type === 'lint') renderLint();
  if (m.type === 'set') transport.setState({ setLabel: m.setLabel });
});
renderAll();
transport.post({ type: 'ready' });
