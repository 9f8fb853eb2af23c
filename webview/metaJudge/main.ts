/**
 * Meta-Judge Template Preview: the draft template's verdicts on judgment pairs as it is edited, beside the verdicts
 * of the template in use. Per pair: the two judgments (scores and text), the verdict in each order (A/B and B/A),
 * whether the orders agree, and which judgment people prefer where known. Above: how often the verdicts follow the
 * judgments rather than the position, how often they pick position A, unreadable verdicts, and the agreement with
 * people. All text goes in through h()/textContent.
 */
import { defaultTransport } from '../transport';
import { h, replaceChildren } from '../components/dom';
import type { PreviewResult } from '../../remote/protocol';
import { type MetaSample, metaPreviewStats, verdictOf, type MetaPreviewStats } from '../../src/metaJudge/previewModel';
import type { PreviewRole as MetaPreviewRole, RubricHostMessage, RubricViewMessage } from '../rubric/protocol';

// the rubric preview's protocol: `set.rubricVersion` is the template version in use, `useRubric` uses the template
const transport = defaultTransport<RubricHostMessage, RubricViewMessage, unknown>();
const root = document.getElementById('root') as HTMLElement;
const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const excerpt = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const st = {
  samples: [] as MetaSample[],
  k: 1,
  setLabel: '',
  templateVersion: undefined as number | undefined,
  runs: { draft: undefined, baseline: undefined } as Record<MetaPreviewRole, { id: string; results: PreviewResult[]; done: boolean; error?: string } | undefined>,
  status: undefined as { text: string; level: 'info' | 'error' } | undefined,
  lint: [] as { severity: 'error' | 'warning'; message: string }[],
};

const useBtn = h('button', { type: 'button', id: 'use-template', title: 'Store this template as a new version of the run, used by the meta-judge from the next iteration' }, 'Use for Next Iteration');
const setBtn = h('button', { type: 'button', id: 'choose-set', class: 'secondary' }, 'Judgment Pairs…');
useBtn.addEventListener('click', () => transport.post({ type: 'useRubric' }));
setBtn.addEventListener('click', () => transport.post({ type: 'chooseSet' }));

function statsLine(label: string, s: MetaPreviewStats | undefined, id: string): HTMLElement {
  if (!s) return h('div', { id, class: 'muted' }, `${label}: –`);
  return h(
    'div',
    { id, class: 'stats' },
    h('strong', null, `${label}: `),
    h('span', { title: 'pairs whose two orders named the same judgment' }, `follows the judgments in ${s.consistent} of ${s.decided} pairs`),
    ' · ',
    h('span', { title: 'readable verdicts that picked the judgment shown first (A); 50 % is no positional bias' }, `picked A ${pct(s.verdicts ? s.firstPosition / s.verdicts : null)}`),
    ' · ',
    h('span', null, `${s.unreadable} unreadable`),
    ' · ',
    h('span', { class: 'agreement', title: 'on pairs where people prefer one judgment: 1 for it in both orders, ½ for a verdict by position, 0 for the other' }, `agreement with people ${pct(s.agreement)} (${s.labelled} pairs)`),
  );
}

function verdictCell(results: PreviewResult[] | undefined, s: MetaSample): HTMLElement {
  if (!results) return h('td', { class: 'muted' }, '–');
  const mine = results.filter((r) => r.sampleId === s.id);
  if (!mine.length) return h('td', { class: 'muted' }, '…');
  const v = verdictOf(mine);
  const name = (w: 0 | 1 | null): string => (w === null ? '?' : w === 0 ? '1st' : '2nd');
  const text = v.verdict === null ? 'no verdict' : v.verdict === 'position' ? 'by position' : `${name(v.verdict)} judgment`;
  const cls = v.verdict === 'position' ? 'warn' : s.peoplePrefer !== undefined && typeof v.verdict === 'number' ? (v.verdict === s.peoplePrefer ? 'good' : 'bad') : '';
  return h('td', { class: `verdict ${cls}` }, h('div', null, text), h('div', { class: 'muted' }, `A/B → ${name(v.ab)}, B/A → ${name(v.ba)}`));
}

function render(): void {
  const d = st.runs.draft;
  const b = st.runs.baseline;
  const rows = st.samples.map((s) =>
    h(
      'tr',
      { 'data-sample': s.id },
      h('td', null, h('div', { class: 'mono' }, excerpt(s.prompt, 120)), h('div', { class: 'muted mono' }, excerpt(s.answer, 160))),
      ...s.judgments.map((j, i) =>
        h('td', { class: s.peoplePrefer === i ? 'judgment preferred' : 'judgment' }, h('div', null, h('strong', null, `score ${s.scores[i]}`), s.peoplePrefer === i ? h('span', { class: 'badge', title: 'people prefer this judgment' }, ' people') : null), h('div', { class: 'mono' }, excerpt(j, 400))),
      ),
      verdictCell(d?.results, s),
      verdictCell(b?.results, s),
    ),
  );
  replaceChildren(
    root,
    h('header', { class: 'bar' }, h('h2', null, 'Meta-judge template preview'), h('span', { class: 'muted', id: 'set-label' }, st.setLabel), h('span', { class: 'spacer' }), setBtn, useBtn),
    st.status ? h('div', { id: 'status', class: `status ${st.status.level}`, role: 'status' }, st.status.text) : h('div', { id: 'status', role: 'status' }),
    h('ul', { id: 'lint', class: 'lint' }, ...st.lint.map((p) => h('li', { class: p.severity }, p.message))),
    h(
      'section',
      { id: 'summary', class: 'summary' },
      statsLine('Draft', d && metaPreviewStats(st.samples, d.results), 'draft-stats'),
      statsLine(`In use${st.templateVersion ? ` (v${st.templateVersion})` : ''}`, b && metaPreviewStats(st.samples, b.results), 'baseline-stats'),
      h('div', { class: 'muted' }, `${st.k} verdict(s) per order; every pair is asked in both orders (A/B and B/A).`),
    ),
    st.samples.length
      ? h('table', { id: 'rows', class: 'rows' }, h('thead', null, h('tr', null, h('th', null, 'Answer'), h('th', null, '1st judgment'), h('th', null, '2nd judgment'), h('th', null, 'Draft'), h('th', null, 'In use'))), h('tbody', null, ...rows))
      : h('p', { class: 'muted', id: 'empty' }, 'No judgment pairs yet: choose the run\'s judge pairs or a labelled set (Judgment Pairs…).'),
  );
}

transport.onMessage((m) => {
  switch (m.type) {
    case 'set':
      st.samples = m.samples.filter((x): x is MetaSample => Array.isArray(x.judgments));
      st.k = m.k;
      st.setLabel = m.setLabel;
      st.templateVersion = m.rubricVersion || undefined;
      st.runs = { draft: undefined, baseline: undefined };
      break;
    case 'start':
      st.runs[m.role] = { id: m.previewId, results: [], done: false };
      break;
    case 'results': {
      const r = st.runs[m.role];
      if (r) r.results.push(...m.results.filter((x) => x.previewId === r.id));
      break;
    }
    case 'done': {
      const r = st.runs[m.role];
      if (r && r.id === m.previewId) {
        r.done = true;
        r.error = m.error;
        if (m.error) st.status = { text: `${m.role === 'draft' ? 'Draft' : 'In use'}: ${m.error}`, level: 'error' };
      }
      break;
    }
    case 'status':
      st.status = { text: m.text, level: m.level };
      break;
    case 'lint':
      st.lint = m.problems;
      break;
  }
  render();
});

render();
transport.post({ type: 'ready' });
