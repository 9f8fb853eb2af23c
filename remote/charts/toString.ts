/** Serialise a chart's VNode to standalone SVG text (escaped) for Markdown/SVG reports written outside a webview. */
import type { VNode } from './vnode';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]);
const NAME = /^[a-zA-Z][a-zA-Z0-9:_-]*$/;

/** Colours used when the SVG is shown outside VS Code (no theme variables there). */
export const STANDALONE_STYLE =
  'text{font:11px sans-serif;fill:#555}.axis,.tick-mark{stroke:#888}.grid{stroke:#8883}.bar{fill:#3794ff}.point{fill:#3794ff;fill-opacity:.6}' +
  '.point.parse-failure,.legend-dot.parse-failure{fill-opacity:.1;stroke:#f14c4c;stroke-width:1.3}.point.marker{fill-opacity:1}.line{fill:none;stroke-width:1.5}.series-0{stroke:#3794ff;fill:#3794ff}.series-1{stroke:#d18616;fill:#d18616}' +
  '.series-2{stroke:#89d185;fill:#89d185}.series-3{stroke:#b180d7;fill:#b180d7}.series-4{stroke:#f14c4c;fill:#f14c4c}.series-5{stroke:#cca700;fill:#cca700}' +
  'polyline.line{fill:none}.chart-title{font-weight:bold;fill:#333}';

function write(n: VNode | string, out: string[]): void {
  if (typeof n === 'string') {
    out.push(escapeXml(n));
    return;
  }
  if (!NAME.test(n.tag)) throw new Error(`svgToString: bad tag name ${JSON.stringify(n.tag)}`);
  out.push('<', n.tag);
  for (const [k, val] of Object.entries(n.attrs)) {
    if (!NAME.test(k) || /^on/i.test(k)) throw new Error(`svgToString: attribute ${JSON.stringify(k)} not allowed`);
    out.push(' ', k, '="', escapeXml(String(val)), '"');
  }
  if (!n.children.length) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const c of n.children) write(c, out);
  out.push('</', n.tag, '>');
}

/** `standalone` (default true) adds the xmlns and a <style> with fixed colours, for files and Markdown reports. */
export function svgToString(node: VNode, opts: { standalone?: boolean } = {}): string {
  const standalone = opts.standalone ?? true;
  const root: VNode =
    standalone && node.tag === 'svg'
      ? { ...node, attrs: { xmlns: 'http://www.w3.org/2000/svg', ...node.attrs }, children: [{ tag: 'style', attrs: {}, children: [STANDALONE_STYLE] }, ...node.children] }
      : node;
  const out: string[] = [];
  write(root, out);
  return out.join('');
}
