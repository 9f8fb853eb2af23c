/**
 * The small virtual node tree the chart functions return: pure data (no DOM, no node imports), so the same chart
 * is drawn in a webview (renderSvg) and written into Markdown/SVG reports by the agent (svgToString).
 */
export interface VNode {
  tag: string;
  attrs: Record<string, string | number>;
  children: (VNode | string)[];
}

export function v(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: (VNode | string | null | undefined | false)[]): VNode {
  const a: Record<string, string | number> = {};
  for (const [k, val] of Object.entries(attrs)) if (val !== undefined) a[k] = val;
  return { tag, attrs: a, children: children.filter((c): c is VNode | string => c !== null && c !== undefined && c !== false) };
}

/** Every node of the tree, depth first (tests and callers count bars/points with it). */
export function walk(node: VNode, visit: (n: VNode) => void): void {
  visit(node);
  for (const c of node.children) if (typeof c !== 'string') walk(c, visit);
}

export function findAll(node: VNode, pred: (n: VNode) => boolean): VNode[] {
  const out: VNode[] = [];
  walk(node, (n) => pred(n) && out.push(n));
  return out;
}

/** Class test: `hasClass(n, 'bar')`. */
export function hasClass(n: VNode, cls: string): boolean {
  return String(n.attrs.class ?? '').split(/\s+/).includes(cls);
}
