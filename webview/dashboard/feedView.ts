/**
 * The live feed: filter bar (iteration, stage, score range, parse failures, text search), a virtualised list of rows
 * and a details pane with the full texts and every judge sample's justification. All model output goes in as text.
 */
import { h, replaceChildren } from '../components/dom';
import { VirtualList } from '../components/virtualList';
import type { FeedRow, FeedStore } from './feed';
import { filterRows } from './feed';
import { fmtNum, preview } from './format';
import type { FeedFilter, FeedKind } from './protocol';

export const ROW_HEIGHT = 44;

interface ValueEl extends HTMLElement {
  value: string;
  checked?: boolean;
}

export class FeedView {
  readonly el: HTMLElement;
  private readonly list: VirtualList;
  private readonly listEl: HTMLElement;
  private readonly details: HTMLElement;
  private readonly countEl: HTMLElement;
  private readonly iterationSelect: ValueEl;
  private iterationOptions = '';
  /** indices into store.rows of the rows passing the filter */
  filtered: number[] = [];
  /** what `filtered` was computed from */
  private filteredFor: { filter: FeedFilter; generation: number; version: number; rows: number } | undefined;
  selectedId: string | undefined;

  constructor(
    private readonly store: FeedStore,
    public filter: FeedFilter,
    private readonly onChange: (what: 'filter' | 'scroll' | 'select') => void,
  ) {
    const num = (id: string, placeholder: string, value: number | undefined): ValueEl => {
      const el = h('vscode-text-field', { id, placeholder, size: undefined, class: 'score-input', value: value === undefined ? '' : String(value) }) as ValueEl;
      el.addEventListener('input', () => {
        const v = el.value.trim();
        const n = Number(v);
        const key = id === 'filter-min' ? 'minScore' : 'maxScore';
        this.filter = { ...this.filter, [key]: v === '' || !Number.isFinite(n) ? undefined : n };
        this.applyFilter();
      });
      return el;
    };
    this.iterationSelect = h('vscode-dropdown', { id: 'filter-iteration', 'aria-label': 'iteration' }) as ValueEl;
    this.iterationSelect.addEventListener('change', () => {
      const v = this.iterationSelect.value;
      this.filter = { ...this.filter, iteration: v === 'all' || v === '' ? undefined : Number(v) };
      this.applyFilter();
    });
    const kind = h(
      'vscode-dropdown',
      { id: 'filter-kind', 'aria-label': 'stage' },
      ...[['all', 'All stages'], ['prompt', 'Prompts'], ['candidate', 'Candidates + judgments'], ['pair', 'Pairs'], ['judge-pair', 'Judge pairs (meta-judge)']].map(([v, t]) => h('vscode-option', { value: v }, t)),
    ) as ValueEl;
    setDropdown(kind, this.filter.kind ?? 'all');
    kind.addEventListener('change', () => {
      this.filter = { ...this.filter, kind: kind.value === 'all' ? undefined : (kind.value as FeedKind) };
      this.applyFilter();
    });
    const failures = h('vscode-checkbox', { id: 'filter-failures', checked: !!this.filter.parseFailuresOnly }, 'Parse failures only') as ValueEl;
    failures.addEventListener('change', () => {
      this.filter = { ...this.filter, parseFailuresOnly: !!failures.checked };
      this.applyFilter();
    });
    const search = h('vscode-text-field', { id: 'filter-text', placeholder: 'Search text…', value: this.filter.text ?? '' }) as ValueEl;
    search.addEventListener('input', () => {
      this.filter = { ...this.filter, text: search.value };
      this.applyFilter();
    });
    this.countEl = h('span', { class: 'feed-count muted', 'aria-live': 'polite' });
    this.listEl = h('div', { class: 'feed-list', role: 'list', tabindex: 0 });
    this.details = h('div', { class: 'feed-details', 'aria-label': 'details' }, h('div', { class: 'muted' }, 'Select a row to see its texts and judge samples.'));
    this.el = h(
      'section',
      { class: 'feed', id: 'feed' },
      h('h2', null, 'Generations'),
      h('div', { class: 'filters' }, this.iterationSelect, kind, num('filter-min', 'min score', this.filter.minScore), num('filter-max', 'max score', this.filter.maxScore), failures, search, this.countEl),
      h('div', { class: 'feed-body' }, this.listEl, this.details),
    );
    this.list = new VirtualList({ container: this.listEl, rowHeight: ROW_HEIGHT, count: 0, renderRow: (i) => this.renderRow(i), onScroll: () => this.onChange('scroll') });
    this.listEl.addEventListener('click', (e) => {
      const rowEl = (e.target as HTMLElement).closest<HTMLElement>('.feed-row');
      if (rowEl?.dataset.id) this.select(rowEl.dataset.id);
    });
    this.listEl.addEventListener('keydown', (e) => this.onKey(e));
  }

  get scrollTop(): number {
    return this.listEl.scrollTop;
  }

  set scrollTop(v: number) {
    this.listEl.scrollTop = v;
  }

  /**
   * Recompute the filtered rows (after new data or a filter change). `refreshRows`: rebuild every visible row;
   * otherwise only the visible rows that changed in place (their judgments) are rebuilt.
   */
  update(refreshRows: boolean): void {
    const changed = this.store.takeChanged();
    const incremental = this.filterIncrementally();
    this.filtered = incremental ?? filterRows(this.store.rows, this.filter);
    this.filteredFor = { filter: this.filter, generation: this.store.generation, version: this.store.version, rows: this.store.rows.length };
    const refresh = refreshRows || !incremental;
    this.list.setCount(this.filtered.length, refresh);
    if (!refresh && changed.size) for (const i of this.list.renderedIndices()) if (changed.has(this.store.rows[this.filtered[i]])) this.list.refreshRow(i);
    this.countEl.textContent = `${this.filtered.length} of ${this.store.rows.length}`;
    this.updateIterationOptions();
    const selected = this.selectedId ? this.store.get(this.selectedId) : undefined;
    if (this.selectedId && (refresh || (selected && changed.has(selected)))) this.renderDetails();
  }

  /**
   * While rows are only appended, only the new ones need filtering: the filtered list so far stays valid unless the
   * filter changed, the store was cleared, or rows changed (judgments) under a filter that looks at what they change.
   */
  private filterIncrementally(): number[] | undefined {
    const was = this.filteredFor;
    const rows = this.store.rows;
    if (!was || was.filter !== this.filter || was.generation !== this.store.generation || rows.length < was.rows) return undefined;
    if (was.version !== this.store.version && dependsOnScores(this.filter)) return undefined;
    const added = filterRows(rows.slice(was.rows), this.filter);
    for (const i of added) this.filtered.push(was.rows + i);
    return this.filtered;
  }

  /** Rows passing the filter. */
  filteredRows(): FeedRow[] {
    return this.filtered.map((i) => this.store.rows[i]);
  }

  select(id: string | undefined): void {
    this.selectedId = id;
    for (const el of this.listEl.querySelectorAll('.feed-row.selected')) el.classList.remove('selected');
    if (id) this.listEl.querySelector(`.feed-row[data-id="${CSS.escape(id)}"]`)?.classList.add('selected');
    this.renderDetails();
    this.onChange('select');
  }

  private applyFilter(): void {
    this.update(true);
    this.onChange('filter');
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const cur = this.filtered.findIndex((i) => this.store.rows[i].id === this.selectedId);
    const next = Math.max(0, Math.min(this.filtered.length - 1, cur + (e.key === 'ArrowDown' ? 1 : -1)));
    if (this.filtered[next] === undefined) return;
    this.list.scrollToIndex(next);
    this.select(this.store.rows[this.filtered[next]].id);
  }

  private updateIterationOptions(): void {
    const its = this.store.iterations();
    const key = its.join(',');
    if (key === this.iterationOptions) return;
    this.iterationOptions = key;
    const cur = this.filter.iteration === undefined ? 'all' : String(this.filter.iteration);
    replaceChildren(
      this.iterationSelect,
      h('vscode-option', { value: 'all' }, 'All iterations'),
      ...its.map((t) => h('vscode-option', { value: String(t) }, `Iteration ${t}`)),
    );
    setDropdown(this.iterationSelect, cur);
  }

  private renderRow(i: number): HTMLElement {
    const row = this.store.rows[this.filtered[i]];
    const scores =
      row.kind === 'judge-pair'
        ? `judgment ${fmtNum(row.score)} over ${fmtNum(row.rejected?.score)} (Elo +${Math.round(row.margin ?? 0)})`
        : row.kind === 'pair'
        ? `${fmtNum(row.score)} vs ${fmtNum(row.rejected?.score)} (margin ${fmtNum(row.margin)})`
        : row.judgments.length
          ? `${fmtNum(row.score)} [${row.judgments.map((j) => (j.score === null ? '✗' : fmtNum(j.score))).join(', ')}]`
          : row.kind === 'candidate'
            ? 'not judged yet'
            : '';
    return h(
      'div',
      { class: `feed-row kind-${row.kind}${row.parseFailures ? ' has-failures' : ''}${row.id === this.selectedId ? ' selected' : ''}`, role: 'listitem', 'data-id': row.id },
      h(
        'div',
        { class: 'row-meta' },
        h('span', { class: 'row-iteration' }, `it ${row.iteration}`),
        h('span', { class: 'row-kind' }, row.kind),
        h('span', { class: 'row-score' }, scores),
        row.parseFailures ? h('span', { class: 'row-failures error' }, `${row.parseFailures} parse failure${row.parseFailures > 1 ? 's' : ''}`) : null,
        row.note ? h('span', { class: 'row-note muted' }, preview(row.note, 80)) : null,
        h('span', { class: 'row-chars muted' }, `${row.chars} chars`),
      ),
      h('div', { class: 'row-text' }, preview(row.text)),
    );
  }

  private renderDetails(): void {
    const row = this.selectedId ? this.store.get(this.selectedId) : undefined;
    if (!row) {
      replaceChildren(this.details, h('div', { class: 'muted' }, 'Select a row to see its texts and judge samples.'));
      return;
    }
    const prompt = row.kind === 'prompt' ? undefined : this.store.promptText(row.promptId);
    const block = (title: string, text: string): HTMLElement => h('div', { class: 'detail-block' }, h('h3', null, title), h('div', { class: 'mono detail-text' }, text));
    replaceChildren(
      this.details,
      h('div', { class: 'detail-head' }, h('strong', null, `${row.kind} ${row.id}`), h('span', { class: 'muted' }, ` · iteration ${row.iteration} · ${row.chars} chars`)),
      row.note ? h('div', { class: 'detail-note error' }, row.note) : null,
      prompt !== undefined ? block('Prompt', prompt) : null,
      row.judged !== undefined ? block('Answer judged', row.judged) : null,
      block(row.kind === 'prompt' ? 'Prompt' : row.kind === 'judge-pair' ? `Better judgment (score ${fmtNum(row.score)})` : row.kind === 'pair' ? `Chosen (${fmtNum(row.score)})` : `Answer (mean ${fmtNum(row.score)})`, row.text),
      row.rejected ? block(row.kind === 'judge-pair' ? `Worse judgment (score ${fmtNum(row.rejected.score)})` : `Rejected (${fmtNum(row.rejected.score)})`, row.rejected.text) : null,
      row.reason ? block("The meta-judge's reason", row.reason) : null,
      row.kind === 'pair' ? h('div', { class: 'detail-scores' }, `chosen samples [${(row.chosenScores ?? []).map((s) => fmtNum(s)).join(', ')}] · rejected samples [${(row.rejected?.scores ?? []).map((s) => fmtNum(s)).join(', ')}]`) : null,
      ...row.judgments.map((j) =>
        h(
          'div',
          { class: `detail-judgment${j.parseOk ? '' : ' parse-failure'}`, 'data-sample': j.sample },
          h('h3', null, `Judge sample ${j.sample + 1}: ${j.score === null ? 'no score' : fmtNum(j.score)}${j.parseOk ? '' : ' (parse failure)'}`),
          j.error ? h('div', { class: 'error' }, j.error) : null,
          h('div', { class: 'mono detail-text' }, j.text),
        ),
      ),
    );
  }
}

/** Filters whose result a judgment arriving for a row already there can change (scores, failures, judge texts). */
function dependsOnScores(f: FeedFilter): boolean {
  return f.minScore !== undefined || f.maxScore !== undefined || !!f.parseFailuresOnly || !!f.text?.trim();
}

/** Select a dropdown's option by value once the toolkit element has seen its options (it reads them asynchronously). */
function setDropdown(el: ValueEl, value: string): void {
  el.value = value;
  requestAnimationFrame(() => {
    if (el.value !== value) el.value = value;
  });
}
