/**
 * Tiny DOM builder. Text always goes in through textContent (model output, rubric text and file contents are
 * untrusted), attributes through setAttribute with an allow-list of safe names; there is no innerHTML path.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null>;

const SAFE_ATTR = /^(class|id|title|role|tabindex|type|value|placeholder|min|max|step|for|name|checked|disabled|hidden|slot|appearance|colspan|rowspan|width|height|viewBox|d|x|y|x1|x2|y1|y2|cx|cy|r|rx|fill|stroke|stroke-width|points|transform|text-anchor|dominant-baseline|font-size|opacity|style|(aria|data)-[a-z0-9-]+)$/;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs?: Attrs | null): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (!SAFE_ATTR.test(k)) throw new Error(`attribute ${k} not allowed`);
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replace an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}
