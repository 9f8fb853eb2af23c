/** Chart library (pure, no DOM, no Node): chart functions returning VNodes and svgToString for reports; the webviews draw VNodes with webview/components/charts/renderSvg.ts. */
export * from './vnode';
export * from './scale';
export { histogram, binEdges, binIndex, binValues, type Bin } from './histogram';
export { scatter, type Point, type ScatterOptions } from './scatter';
export { lineChart, type Series } from './lineChart';
export type { ChartSize } from './frame';
export { svgToString, escapeXml } from './toString';
