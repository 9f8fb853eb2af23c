/**
 * The preference-pairs review editor. Keyboard first (press ? for the keys); every text from the pairs file goes in
 * through h()/textContent. Pages of the (filtered) pairs come from the host; actions go back as decision drafts.
 */
import type { JudgmentRecord, PairFilter, PairView } from '../../remote/protocol';
import { h, replaceChildren } from '../components/dom';
import { loadBundleAfterPaint } from '../components/lateBundle';
import { defaultTransport } from '../transport';
import { diffSimilarity, MIN_DIFF_SIMILARITY, wordDiff } from './diff';
import { isJudgePair, judgePairBody } from './judgePair';
import type { BulkKind, DecisionDraft, PageMessage, PairsToHost, PairsToWebview, PairsWebviewState } from './messages';

// The toolkit's elements (vscode-button, vscode-badge) upgrade once the first page is on screen: its script is most
// of what this page would otherwise parse before painting anything (webview/toolkit).
const TOOLKIT_FALLBACK_MS = 2000;
setTimeout(() => loadBundleAfterPaint('toolkit'), TOOLKIT_FALLBACK_MS);

const PAGE = 50;
const transport = defaultTransport<PairsToWebview, PairsToHost, PairsWebviewState>();
const saved = transport.getState();

const st = {
  filter: saved?.filter ?? ({} as PairFilter),
  offset: saved?.offset ?? 0,
  cursor: saved?.cursor ?? 0,
  showDiff: saved?.showDiff ?? true,
  showJudgments: saved?.showJudgments ?? false,
  /** judge samples per pair id ('loading' while asked for); small, cleared when it grows */
  judgments: new Map<string, JudgmentRecord[] | 'loading' | 'unavailable'>(),
  page: undefined as PageMessage | undefined,
  reqId: 0,
  title: 'Preference pairs',
  hostUndo: false,
  canExport: false,
  gate: { supported: false, gate: false, complete: false },
  dirty: false,
  queued: 0,
  overlay: undefined as undefined | 'help' | 'edit' | 'note' | 'confirm',
  /** what Complete review would leave out, while the confirmation is open */
  confirm: undefined as undefined | Extract<PairsToWebview, { type: 'confirmComplete' }>,
  /** pair whose dissimilar answers the user asked to diff anyway */
  forceDiff: undefined as string | undefined,
  notice: undefined as undefined | { level: 'info' | 'error'; message: string },
};

const send = (m: PairsToHost): void => transport.post(m);
const persist = (): void => transport.setState({ filter: st.filter, offset: st.offset, cursor: st.cursor, showDiff: st.showDiff, showJudgments: st.showJudgments });

function requestPage(offset: number): void {
  st.reqId++;
  send({ type: 'page', reqId: st.reqId, offset, limit: PAGE, filter: st.filter });
}

/** The pair under the cursor, if its page is loaded. */
function currentPair(): PairView | undefined {
  const p = st.page;
  if (!p) return undefined;
  return p.pairs[st.cursor - p.offset];
}

function moveTo(cursor: number): void {
  const matched = st.page?.matched ?? 0;
  if (matched === 0) return;
  const c = Math.max(0, Math.min(matched - 1, cursor));
  st.cursor = c;
  const pageStart = Math.floor(c / PAGE) * PAGE;
  if (!st.page || pageStart !== st.page.offset) {
    st.offset = pageStart;
    requestPage(pageStart);
  }
  persist();
  render();
}

function decide(label: string, drafts: DecisionDraft[], advance: boolean): void {
  send({ type: 'decide', label, decisions: drafts });
  if (advance) moveTo(st.cursor + 1);
}

function act(kind: 'accept' | 'reject' | 'flip'): void {
  const p = currentPair();
  if (!p) return;
  const label = { accept: 'Accept pair', reject: 'Reject pair', flip: 'Flip pair' }[kind];
  decide(label, [{ pairId: p.id, kind }], kind !== 'flip');
}

function bulk(kind: BulkKind): void {
  send({ type: 'bulk', kind, filter: st.filter });
}

/** Texts as training would see them: edits applied, then the flip. */
function effective(p: PairView): { chosen: string; rejected: string; chosenSide: PairView['chosen']; rejectedSide: PairView['rejected'] } {
  const r = p.review;
  const c = r?.chosenText ?? p.chosen.text;
  const rj = r?.rejectedText ?? p.rejected.text;
  return r?.flipped ? { chosen: rj, rejected: c, chosenSide: p.rejected, rejectedSide: p.chosen } : { chosen: c, rejected: rj, chosenSide: p.chosen, rejectedSide: p.rejected };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------------------

const root = document.getElementById('root') ?? document.body;

function num(v: number | undefined | null, digits = 2): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function stateBadge(p: PairView): HTMLElement {
  const s = p.review?.state ?? 'unreviewed';
  return h('span', { class: `state state-${s}`, title: s }, s);
}

function header(): HTMLElement {
  const p = st.page;
  const total = p?.total ?? 0;
  const reviewed = p?.reviewed ?? 0;
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': reviewed });
  const fill = h('div', { class: 'progress-fill' });
  fill.style.width = `${total ? (100 * reviewed) / total : 0}%`;
  bar.append(fill);
  const gate = st.gate.supported
    ? h(
        'span',
        { class: `gate ${st.gate.complete ? 'gate-complete' : st.gate.gate ? 'gate-waiting' : 'gate-off'}`, id: 'gate-state' },
        st.gate.complete ? 'Review gate: complete' : st.gate.gate ? 'Review gate: on — training waits for this review' : 'Review gate: off',
      )
    : null;
  const complete = st.gate.supported
    ? button('Complete review', () => send({ type: 'completeReview' }), { id: 'complete-review', disabled: st.gate.complete, title: 'Mark this iteration reviewed: training proceeds with the accepted pairs' })
    : null;
  return h(
    'header',
    { class: 'bar' },
    h('h1', null, st.title),
    h('span', { id: 'progress-text', class: 'progress-text' }, `Reviewed ${reviewed} of ${total}`),
    bar,
    st.dirty ? h('span', { class: 'dirty', title: 'Unsaved decisions (Ctrl+S saves)' }, '● unsaved') : null,
    st.queued ? h('span', { class: 'queued', id: 'queued', title: 'Saved on this machine, sent when the link is back' }, `${st.queued} queued for the agent`) : null,
    gate,
    complete,
    st.canExport ? button('Export…', () => send({ type: 'export' }), { id: 'export' }) : null,
    button('?', () => toggleOverlay('help'), { id: 'help-button', title: 'Keyboard shortcuts (?)', appearance: 'icon' }),
    // Notices sit in the sticky header: always in view, never below the fold.
    h('div', { class: `notice${st.notice ? ` ${st.notice.level}` : ''}`, id: 'notice', role: 'status', 'aria-live': 'polite' }, st.notice?.message ?? ''),
  );
}

function button(label: string, onClick: () => void, attrs: Record<string, string | boolean | undefined> = {}): HTMLElement {
  const b = h('vscode-button', { appearance: 'secondary', ...attrs }, label);
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

function numberInput(id: string, value: number | undefined, placeholder: string, set: (v: number | undefined) => void): HTMLInputElement {
  const el = h('input', { id, type: 'number', step: '0.1', placeholder, value: value ?? '', class: 'num' });
  el.addEventListener('change', () => {
    const v = el.value.trim() === '' ? undefined : Number(el.value);
    set(v !== undefined && Number.isFinite(v) ? v : undefined);
    applyFilter();
  });
  return el;
}

function checkbox(id: string, label: string, checked: boolean | undefined, set: (v: boolean) => void): HTMLElement {
  const el = h('input', { id, type: 'checkbox', checked: !!checked });
  el.addEventListener('change', () => {
    set(el.checked);
    applyFilter();
  });
  return h('label', { for: id, class: 'check' }, el, label);
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;

function filters(): HTMLElement {
  const f = st.filter;
  const search = h('input', { id: 'filter-text', type: 'search', placeholder: 'Search prompt and answers (/)', value: f.text ?? '' });
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      st.filter.text = search.value || undefined;
      applyFilter();
    }, 250);
  });
  const p = st.page;
  // judge pairs: the margin is the Elo gap, and their sides are judgments (no judge samples to fail parsing)
  const judgeMode = !!p?.pairs.some(isJudgePair);
  return h(
    'div',
    { class: 'filters', role: 'group', 'aria-label': 'Filters' },
    checkbox('filter-unreviewed', 'Unreviewed', f.unreviewedOnly, (v) => (st.filter.unreviewedOnly = v || undefined)),
    h('span', { class: 'range' }, judgeMode ? 'Elo gap ' : 'Margin ', numberInput('filter-min-margin', f.minMargin, 'min', (v) => (st.filter.minMargin = v)), '–', numberInput('filter-max-margin', f.maxMargin, 'max', (v) => (st.filter.maxMargin = v))),
    h('span', { class: 'range', title: 'chosen length / rejected length' }, 'Length ratio ', numberInput('filter-min-ratio', f.minLengthRatio, 'min', (v) => (st.filter.minLengthRatio = v)), '–', numberInput('filter-max-ratio', f.maxLengthRatio, 'max', (v) => (st.filter.maxLengthRatio = v))),
    judgeMode ? null : checkbox('filter-parse', 'Parse failures', f.withParseFailures, (v) => (st.filter.withParseFailures = v || undefined)),
    search,
    h('span', { id: 'matched', class: 'muted' }, p ? `${p.matched} matching` : ''),
    button('Re-apply', () => {
      send({ type: 'refilter' });
      applyFilter();
    }, { id: 'refilter', title: 'Apply the filter to the current review state' }),
    h('span', { class: 'bulk' }, 'All matching: ', button('Accept', () => bulk('accept'), { id: 'bulk-accept' }), button('Reject', () => bulk('reject'), { id: 'bulk-reject' }), button('Clear', () => bulk('clear'), { id: 'bulk-clear' })),
  );
}

function applyFilter(): void {
  st.cursor = 0;
  st.offset = 0;
  st.page = undefined;
  persist();
  requestPage(0);
  render();
}

function list(): HTMLElement {
  const p = st.page;
  const ul = h('ul', { class: 'pair-list', role: 'listbox', 'aria-label': 'Pairs' });
  for (const [k, pair] of (p?.pairs ?? []).entries()) {
    const at = (p?.offset ?? 0) + k;
    const judge = isJudgePair(pair);
    const li = h('li', { class: at === st.cursor ? 'row current' : 'row', role: 'option', 'aria-selected': at === st.cursor ? 'true' : 'false', 'data-id': pair.id }, h('span', { class: 'idx' }, `#${(pair.index ?? at) + 1}`), stateBadge(pair), judge ? h('span', { class: 'margin', title: 'Elo gap between the better and the worse judgment' }, `+${Math.round(pair.margin)}`) : h('span', { class: 'margin', title: 'score margin' }, `Δ${num(pair.margin, 1)}`), h('span', { class: 'snippet' }, (judge ? pair.instruction : pair.prompt).slice(0, 80)));
    li.addEventListener('click', () => moveTo(at));
    ul.append(li);
  }
  return h('aside', { class: 'list' }, ul, pager());
}

function pager(): HTMLElement {
  const p = st.page;
  if (!p) return h('div', { class: 'pager muted' }, 'Loading…');
  const last = Math.min(p.matched, p.offset + p.pairs.length);
  return h(
    'div',
    { class: 'pager' },
    button('‹', () => moveTo(p.offset - PAGE), { id: 'prev-page', disabled: p.offset === 0, title: 'Previous page' }),
    h('span', { id: 'page-range' }, p.matched ? `${p.offset + 1}–${last} of ${p.matched}` : 'No pairs match'),
    button('›', () => moveTo(p.offset + PAGE), { id: 'next-page', disabled: last >= p.matched, title: 'Next page' }),
    button('⇥', () => moveTo(p.matched - 1), { id: 'last-page', disabled: last >= p.matched, title: 'Last pair' }),
  );
}

function side(label: string, cls: string, text: string, s: PairView['chosen'], note?: string): HTMLElement {
  return h(
    'div',
    { class: `side ${cls}` },
    h('div', { class: 'side-head' }, h('strong', null, label), note ? h('span', { class: 'muted' }, ` ${note}`) : null, h('span', { class: 'score', title: 'mean judge score' }, ` ${num(s.score)}`), h('span', { class: 'raw', title: 'the K raw judge scores (✗ = unparseable)' }, ...(s.scores ?? []).map((x) => h('span', { class: x === null ? 'chip chip-fail' : 'chip' }, x === null ? '✗' : String(x)))), h('span', { class: 'muted chars' }, ` ${text.length} chars`)),
    h('div', { class: 'text mono' }, text),
  );
}

function detail(): HTMLElement {
  const p = currentPair();
  if (!p) return h('section', { class: 'detail muted' }, st.page && st.page.matched === 0 ? 'No pairs match the filter.' : 'Loading…');
  const e = effective(p);
  const r = p.review;
  const lr = e.rejected.length ? e.chosen.length / e.rejected.length : Infinity;
  const diff = st.showDiff ? wordDiff(e.rejected, e.chosen) : undefined;
  const judge = isJudgePair(p);
  const similarity = diff ? diffSimilarity(diff) : 1;
  const diffShown = !!diff && (similarity >= MIN_DIFF_SIMILARITY || st.forceDiff === p.id);
  return h(
    'section',
    { class: judge ? 'detail judge-pair' : 'detail', id: 'detail', 'data-id': p.id },
    h('div', { class: 'meta' }, h('span', null, judge ? `Judge pair ${p.id}` : `Pair ${p.id}`), stateBadge(p), h('span', null, judge ? `Elo gap ${Math.round(p.margin)}` : `margin ${num(p.margin)}`), h('span', null, `length ratio ${num(lr)}`), p.parseFailures > 0 ? h('span', { class: 'warn' }, `${Math.round(p.parseFailures * 100)}% judge parse failures`) : null, r?.flipped ? h('span', { class: 'warn' }, 'flipped') : null, r?.chosenText !== undefined || r?.rejectedText !== undefined ? h('span', { class: 'warn' }, 'edited') : null),
    ...(judge
      ? judgePairBody(p, e)
      : [
          h('h2', null, 'Prompt'),
          h('div', { class: 'prompt mono', id: 'prompt' }, p.prompt),
          h('div', { class: 'sides' }, side('Chosen', 'chosen', e.chosen, e.chosenSide, r?.flipped ? '(was rejected)' : undefined), side('Rejected', 'rejected', e.rejected, e.rejectedSide, r?.flipped ? '(was chosen)' : undefined)),
        ]),
    st.showDiff
      ? h(
          'div',
          { class: 'diff', id: 'diff', 'data-similarity': similarity.toFixed(2) },
          h('h2', null, 'Word diff (rejected → chosen)'),
          !diff
            ? h('div', { class: 'muted' }, 'Too long to diff.')
            : diffShown
              ? h('div', { class: 'mono' }, ...diff.map((d) => h('span', { class: `d-${d.op}` }, d.text)))
              : h('div', { class: 'muted', id: 'diff-skipped' }, `The two answers share ${Math.round(similarity * 100)} % of their words: too different for a word diff to mean anything. `, button('Diff anyway', () => ((st.forceDiff = p.id), render()), { id: 'diff-anyway' })),
        )
      : null,
    st.showJudgments && !judge ? justifications(p, e) : null,
    r?.note ? h('div', { class: 'note', id: 'note' }, h('strong', null, 'Note: '), r.note) : null,
    h(
      'div',
      { class: 'actions' },
      button('Accept (a)', () => act('accept'), { id: 'act-accept', appearance: 'primary' }),
      button('Reject (r)', () => act('reject'), { id: 'act-reject' }),
      button('Flip (f)', () => act('flip'), { id: 'act-flip' }),
      button('Edit (e)', () => toggleOverlay('edit'), { id: 'act-edit' }),
      button('Note (n)', () => toggleOverlay('note'), { id: 'act-note' }),
      judge
        ? null
        : button(st.showJudgments ? 'Hide samples (s)' : 'Judge samples (s)', () => {
            st.showJudgments = !st.showJudgments;
            persist();
            render();
          }, { id: 'act-judgments' }),
      button('Undo (u)', () => send({ type: 'undo' }), { id: 'act-undo' }),
      button('Redo', () => send({ type: 'redo' }), { id: 'act-redo' }),
    ),
  );
}

/** The judge samples behind each side's score (asked for once per pair while shown). */
function justifications(p: PairView, e: ReturnType<typeof effective>): HTMLElement {
  let js = st.judgments.get(p.id);
  if (js === undefined) {
    if (st.judgments.size > 200) st.judgments.clear();
    st.judgments.set(p.id, (js = 'loading'));
    send({ type: 'judgments', pairId: p.id, candidateIds: [p.chosen.candidateId, p.rejected.candidateId] });
  }
  const head = h('h2', null, 'Justifications (judge samples)');
  if (js === 'loading') return h('div', { class: 'judgments', id: 'judgments' }, head, h('div', { class: 'muted' }, 'Loading…'));
  if (js === 'unavailable' || js.length === 0) return h('div', { class: 'judgments', id: 'judgments' }, head, h('div', { class: 'muted' }, 'No judgments found for these answers (judgments.jsonl is not beside this pairs file).'));
  const list = js;
  const col = (label: string, candidateId: string): HTMLElement =>
    h(
      'div',
      { class: 'side' },
      h('strong', null, label),
      ...list.filter((j) => j.candidateId === candidateId).map((j) => h('div', { class: 'judgment' }, h('div', { class: 'muted' }, `sample ${j.sample + 1}: `, j.score === null ? h('span', { class: 'chip chip-fail' }, '✗ unparsed') : h('span', { class: 'chip' }, String(j.score))), h('div', { class: 'mono' }, j.text))),
    );
  return h('div', { class: 'judgments', id: 'judgments' }, head, h('div', { class: 'sides' }, col('Chosen', e.chosenSide.candidateId), col('Rejected', e.rejectedSide.candidateId)));
}

const KEYS: [string, string][] = [
  ['j / ↓', 'next pair'],
  ['k / ↑', 'previous pair'],
  ['a', 'accept (and go to next)'],
  ['r', 'reject — excluded from training (and go to next)'],
  ['f', 'flip chosen and rejected'],
  ['e', 'edit either answer (Ctrl+Enter saves the edit, Esc cancels)'],
  ['n', 'note'],
  ['u / Ctrl+Z', 'undo'],
  ['Ctrl+Shift+Z / Ctrl+Y', 'redo'],
  ['d', 'show / hide the word diff'],
  ['s', 'show / hide the judge samples (justifications)'],
  ['/', 'search'],
  ['PageDown / PageUp', 'next / previous page'],
  ['?', 'this help'],
  ['Ctrl+S', 'save the decisions'],
];

/** The open overlay, kept across re-renders (page refreshes must not wipe text being typed). */
let overlayCache: { key: string; el: HTMLElement | null } | undefined;

function overlay(): HTMLElement | null {
  const key = `${st.overlay}:${currentPair()?.id}`;
  if (!st.overlay) overlayCache = undefined;
  else if (overlayCache?.key !== key) overlayCache = { key, el: buildOverlay() };
  return overlayCache?.el ?? null;
}

function buildOverlay(): HTMLElement | null {
  if (!st.overlay) return null;
  if (st.overlay === 'confirm' && st.confirm) {
    const c = st.confirm;
    const left = c.total - c.train;
    const ok = (): void => {
      st.confirm = undefined;
      closeOverlay();
      send({ type: 'completeReview', confirmed: true });
    };
    setTimeout(() => document.getElementById('confirm-complete')?.focus(), 0);
    return h(
      'div',
      { class: 'overlay', id: 'confirm', role: 'alertdialog', 'aria-label': 'Complete the review?' },
      h('h2', null, 'Complete the review?'),
      c.unreviewed
        ? h('p', { id: 'confirm-text' }, `${c.reviewed} of ${c.total} pairs are reviewed. With the review gate on only reviewed pairs train: completing now trains on ${c.train} pair${c.train === 1 ? '' : 's'} and leaves ${left} out (${c.unreviewed} unreviewed, ${c.rejected} rejected).`)
        : h('p', { id: 'confirm-text' }, `Training will use ${c.train} of ${c.total} pairs (${c.rejected} rejected).`),
      c.unsaved ? h('p', { class: 'muted' }, `${c.unsaved} unsaved decision${c.unsaved === 1 ? ' is' : 's are'} saved first.`) : null,
      h('div', { class: 'actions' }, button(c.unreviewed ? `Complete with ${c.train} pair${c.train === 1 ? '' : 's'}` : 'Complete review', ok, { id: 'confirm-complete', appearance: 'primary' }), button('Keep reviewing', () => ((st.confirm = undefined), closeOverlay()), { id: 'cancel-complete' })),
    );
  }
  if (st.overlay === 'help')
    return h('div', { class: 'overlay', id: 'help', role: 'dialog', 'aria-label': 'Keyboard shortcuts' }, h('h2', null, 'Keyboard'), h('table', null, ...KEYS.map(([k, v]) => h('tr', null, h('td', null, h('kbd', null, k)), h('td', null, v)))), h('p', { class: 'muted' }, 'Esc or ? closes this.'));
  const p = currentPair();
  if (!p) return null;
  if (st.overlay === 'note') {
    const ta = h('textarea', { id: 'note-text' });
    ta.rows = 4;
    ta.value = p.review?.note ?? '';
    const ok = (): void => {
      decide('Note', [{ pairId: p.id, kind: 'note', note: ta.value }], false);
      closeOverlay();
    };
    ta.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) ok();
    });
    setTimeout(() => ta.focus(), 0);
    return h('div', { class: 'overlay', id: 'note-editor', role: 'dialog', 'aria-label': 'Note' }, h('h2', null, 'Note'), ta, h('div', { class: 'actions' }, button('Save note', ok, { id: 'note-save', appearance: 'primary' }), button('Cancel', closeOverlay)));
  }
  // Edit: the texts shown are after the flip; edits are stored in the pair's original orientation.
  const e = effective(p);
  const c = h('textarea', { id: 'edit-chosen' });
  c.rows = 8;
  c.value = e.chosen;
  const rj = h('textarea', { id: 'edit-rejected' });
  rj.rows = 8;
  rj.value = e.rejected;
  const ok = (): void => {
    const d: DecisionDraft = { pairId: p.id, kind: 'edit' };
    const flipped = !!p.review?.flipped;
    if (c.value !== e.chosen) d[flipped ? 'rejectedText' : 'chosenText'] = c.value;
    if (rj.value !== e.rejected) d[flipped ? 'chosenText' : 'rejectedText'] = rj.value;
    if (d.chosenText !== undefined || d.rejectedText !== undefined) decide('Edit pair', [d], false);
    closeOverlay();
  };
  for (const ta of [c, rj])
    ta.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) ok();
    });
  setTimeout(() => c.focus(), 0);
  return h('div', { class: 'overlay wide', id: 'edit-editor', role: 'dialog', 'aria-label': 'Edit answers' }, h('h2', null, 'Edit answers'), h('label', { for: 'edit-chosen' }, 'Chosen'), c, h('label', { for: 'edit-rejected' }, 'Rejected'), rj, h('div', { class: 'actions' }, button('Save edit', ok, { id: 'edit-save', appearance: 'primary' }), button('Cancel', closeOverlay)));
}

function toggleOverlay(o: 'help' | 'edit' | 'note' | 'confirm'): void {
  st.overlay = st.overlay === o ? undefined : o;
  render();
}

function closeOverlay(): void {
  st.overlay = undefined;
  render();
}

function render(): void {
  replaceChildren(
    root,
    header(),
    filters(),
    h('main', { class: 'body' }, list(), detail()),
    overlay(),
  );
  document.querySelector('.row.current')?.scrollIntoView({ block: 'nearest' });
}

// ---------------------------------------------------------------------------------------------------------------
// Keyboard and host messages
// ---------------------------------------------------------------------------------------------------------------

document.addEventListener('keydown', (ev) => {
  const t = ev.target as HTMLElement | null;
  const typing = !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
  if (ev.key === 'Escape') {
    if (st.overlay) closeOverlay();
    else if (typing) t.blur();
    return;
  }
  if (typing) return;
  const mod = ev.ctrlKey || ev.metaKey;
  const key = ev.key.toLowerCase();
  if (mod && (key === 'z' || key === 'y')) {
    // In VS Code these reach the workbench's undo/redo (which calls back into the document); only a bare page
    // (tests, browsers) needs the webview to ask.
    if (st.hostUndo) return;
    ev.preventDefault();
    send({ type: key === 'y' || ev.shiftKey ? 'redo' : 'undo' });
    return;
  }
  if (mod || ev.altKey) return;
  if (st.overlay && st.overlay !== 'help') return;
  const handled = ((): boolean => {
    switch (ev.key) {
      case 'j':
      case 'ArrowDown':
        moveTo(st.cursor + 1);
        return true;
      case 'k':
      case 'ArrowUp':
        moveTo(st.cursor - 1);
        return true;
      case 'PageDown':
        moveTo(st.cursor + PAGE);
        return true;
      case 'PageUp':
        moveTo(st.cursor - PAGE);
        return true;
      case 'a':
        act('accept');
        return true;
      case 'r':
        act('reject');
        return true;
      case 'f':
        act('flip');
        return true;
      case 'e':
        toggleOverlay('edit');
        return true;
      case 'n':
        toggleOverlay('note');
        return true;
      case 'u':
        send({ type: 'undo' });
        return true;
      case 'd':
        st.showDiff = !st.showDiff;
        persist();
        render();
        return true;
      case 's':
        st.showJudgments = !st.showJudgments;
        persist();
        render();
        return true;
      case '/':
        (document.getElementById('filter-text') as HTMLInputElement | null)?.focus();
        return true;
      case '?':
        toggleOverlay('help');
        return true;
    }
    return false;
  })();
  if (handled) ev.preventDefault();
});

transport.onMessage((m) => {
  switch (m.type) {
    case 'init':
      st.title = m.title;
      st.hostUndo = m.hostHandlesUndoKeys;
      st.canExport = m.canExport;
      break;
    case 'page':
      if (m.reqId !== st.reqId) return; // a newer request is on its way
      st.page = m;
      loadBundleAfterPaint('toolkit');
      if (m.matched > 0 && (st.cursor < m.offset || st.cursor >= m.offset + m.pairs.length)) st.cursor = Math.min(Math.max(m.offset, st.cursor), m.offset + Math.max(0, m.pairs.length - 1));
      break;
    case 'changed':
      st.dirty = m.dirty;
      st.queued = m.queued;
      requestPage(st.offset);
      break;
    case 'judgments':
      st.judgments.set(m.pairId, m.available ? m.judgments : 'unavailable');
      break;
    case 'gate':
      st.gate = { supported: m.supported, gate: m.gate, complete: m.complete };
      break;
    case 'notice':
      st.notice = { level: m.level, message: m.message };
      break;
    case 'confirmComplete':
      st.confirm = m;
      st.overlay = 'confirm';
      break;
  }
  render();
});

render();
send({ type: 'ready' });
// Ask for the first page at once rather than after `init`: one round trip less before pairs are on screen.
requestPage(st.offset);
