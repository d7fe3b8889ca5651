/**
 * Charts are Vega-Lite specs. In Node they are compiled by vega-lite, rendered headless by vega to
 * SVG, and rasterised to PNG by resvg; in a browser `report.html` hands the same specs to
 * vega-embed. Text is drawn with the machine's fonts (resvg loads the system ones).
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** The chart as an SVG document. */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An SVG document as PNG bytes at `scale` × its size. */
export function svgPng(svg: string, scale = 2): Uint8Array {
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return png.asPng();
}

/** The chart as SVG and PNG. */
export async function renderChart(spec: ChartSpec): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await chartSvg(spec);
  return { svg, png: svgPng(svg) };
}
