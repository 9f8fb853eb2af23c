/** Chart library: pure chart functions returning VNodes, plus renderSvg (DOM) and svgToString (text). */
export * from './vnode';
export * from './scale';
export { histogram, binEdges, binIndex, binValues, type Bin } from './histogram';
export { scatter, type Point, type ScatterOptions } from './scatter';
export { lineChart, type Series } from './lineChart';
export type { ChartSize } from './frame';
export { svgToString, escapeXml } from './toString';
