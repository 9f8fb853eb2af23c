/** Turn a chart VNode into live SVG elements (webviews). Goes through dom.ts `svg()`, so attributes stay allow-listed. */
import { svg } from '../dom';
import type { VNode } from './vnode';

export function renderSvg(node: VNode): SVGElement {
  return svg(node.tag, node.attrs, ...node.children.map((c) => (typeof c === 'string' ? c : renderSvg(c))));
}
