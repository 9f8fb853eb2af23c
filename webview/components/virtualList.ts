/**
 * A virtualised list with fixed-height rows: only the rows in view (plus `overscan`) exist in the DOM, so it stays
 * smooth at 100k+ rows. The viewport is `container` (it must have a height, CSS overflow is set here); rows are
 * absolutely positioned inside a spacer as tall as the whole list. Styles go through CSSOM (CSP forbids style=).
 */
export interface VirtualListOptions {
  container: HTMLElement;
  rowHeight: number;
  /** number of rows */
  count: number;
  /** build the element of row i (called only for rows coming into view, or after refresh()) */
  renderRow(index: number): HTMLElement;
  overscan?: number;
  onScroll?(scrollTop: number): void;
}

export class VirtualList {
  private readonly spacer: HTMLElement;
  private count: number;
  private rendered = new Map<number, HTMLElement>();
  private frame = 0;
  private readonly onScrollListener = (): void => {
    this.schedule();
    this.opts.onScroll?.(this.opts.container.scrollTop);
  };

  constructor(private readonly opts: VirtualListOptions) {
    this.count = opts.count;
    const c = opts.container;
    c.style.overflowY = 'auto';
    c.style.position = 'relative';
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    this.spacer.style.position = 'relative';
    this.spacer.style.width = '100%';
    c.replaceChildren(this.spacer);
    c.addEventListener('scroll', this.onScrollListener, { passive: true });
    this.setCount(opts.count);
  }

  get length(): number {
    return this.count;
  }

  /** Change the number of rows; rows already rendered keep their elements unless `refresh` is set. */
  setCount(count: number, refresh = false): void {
    this.count = count;
    this.spacer.style.height = `${count * this.opts.rowHeight}px`;
    if (refresh) this.clearRendered();
    this.render();
  }

  /** Rebuild every visible row (the data behind indices changed). */
  refresh(): void {
    this.clearRendered();
    this.render();
  }

  /** Indices of the rows now in the DOM. */
  renderedIndices(): number[] {
    return [...this.rendered.keys()];
  }

  /** Rebuild one row if it is rendered. */
  refreshRow(index: number): void {
    const el = this.rendered.get(index);
    if (!el) return;
    el.remove();
    this.rendered.delete(index);
    this.render();
  }

  scrollToIndex(index: number, align: 'top' | 'nearest' = 'nearest'): void {
    const c = this.opts.container;
    const top = index * this.opts.rowHeight;
    if (align === 'top' || top < c.scrollTop) c.scrollTop = top;
    else if (top + this.opts.rowHeight > c.scrollTop + c.clientHeight) c.scrollTop = top + this.opts.rowHeight - c.clientHeight;
    this.render();
  }

  /** [first, last) indices currently in the DOM. */
  visibleRange(): [number, number] {
    const { rowHeight, overscan = 6, container } = this.opts;
    const first = Math.max(0, Math.floor(container.scrollTop / rowHeight) - overscan);
    const viewRows = Math.ceil((container.clientHeight || rowHeight * 20) / rowHeight);
    const last = Math.min(this.count, first + viewRows + 2 * overscan);
    return [first, last];
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.opts.container.removeEventListener('scroll', this.onScrollListener);
    this.clearRendered();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private clearRendered(): void {
    for (const el of this.rendered.values()) el.remove();
    this.rendered.clear();
  }

  private render(): void {
    const [first, last] = this.visibleRange();
    for (const [i, el] of this.rendered) {
      if (i < first || i >= last) {
        el.remove();
        this.rendered.delete(i);
      }
    }
    for (let i = first; i < last; i++) {
      if (this.rendered.has(i)) continue;
      const el = this.opts.renderRow(i);
      el.style.position = 'absolute';
      el.style.top = `${i * this.opts.rowHeight}px`;
      el.style.left = '0';
      el.style.right = '0';
      el.style.height = `${this.opts.rowHeight}px`;
      el.dataset.index = String(i);
      this.rendered.set(i, el);
      this.spacer.append(el);
    }
  }
}
