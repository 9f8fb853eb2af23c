/** Chart library (pure, no DOM, no Node): chart functions returning VNodes and svgToString for reports; the webviews draw VNodes with webview/components/charts/renderSvg.ts. */
export * from './vnode';
export * from './scale';
export { histogram, stackedHistogram, binEdges, binIndex, binValues, type Bin, type HistogramGroup } from './histogram';
export { scatter, type Point, type ScatterOptions } from './scatter';
export { lineChart, type Series, type LineChartOptions } from './lineChart';
export type { ChartSize } from './frame';
export { svgToString, escapeXml } from './toString';
