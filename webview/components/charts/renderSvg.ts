/** Turn a chart VNode into live SVG elements (webviews). Goes through dom.ts `svg()`, so attributes stay allow-listed. */
import { svg } from '../dom';
import type { VNode } from '../../../remote/charts/vnode';

export function renderSvg(node: VNode): SVGElement {
  return svg(node.tag, node.attrs, ...node.children.map((c) => (typeof c === 'string' ? c : renderSvg(c))));
}

/**
 * The same drawing as a job in slices (components/slices.ts): a scatter of 2,000 points is 2,000 elements, more than
 * one frame's budget on a busy machine. `draw` is a drop-in for renderSvg that returns each chart's root element at
 * once, empty; `fill()` adds the elements inside, in document order, yielding after each. Build off screen and attach
 * when done, so a half-drawn chart is never seen.
 */
export class SlicedSvg {
  private readonly pending: [Element, VNode['children']][] = [];

  readonly draw = (node: VNode): SVGElement => {
    const el = svg(node.tag, node.attrs);
    this.pending.push([el, node.children]);
    return el;
  };

  *fill(): Generator<void, void> {
    for (const [el, children] of this.pending.splice(0)) yield* fill(el, children);
  }
}

function* fill(el: Element, children: VNode['children']): Generator<void, void> {
  for (const c of children) {
    if (typeof c === 'string') el.append(c);
    else {
      const child = svg(c.tag, c.attrs);
      el.append(child);
      yield* fill(child, c.children);
    }
    yield;
  }
}
