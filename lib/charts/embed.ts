/**
 * Interactive charts in a self-contained HTML page: vega, vega-lite and vega-embed are inlined
 * from node_modules (the page needs no network), and each chart's static SVG sits in its
 * container until vega-embed replaces it, so the page reads without JavaScript too.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChartSpec } from './render.js';

const require = createRequire(import.meta.url);

function build(pkg: string, file: string): string {
  // vega-embed's exports map hides its build folder; its package entry sits in it.
  const dir =
    pkg === 'vega-embed'
      ? dirname(require.resolve(pkg))
      : join(dirname(require.resolve(`${pkg}/package.json`)), 'build');
  return readFileSync(join(dir, file), 'utf8');
}

let scripts: string | null = null;

/** The `<script>` tags that define `vega`, `vegaLite` and `vegaEmbed`. */
export function chartScripts(): string {
  scripts ??= [
    build('vega', 'vega.min.js'),
    build('vega-lite', 'vega-lite.min.js'),
    build('vega-embed', 'vega-embed.min.js'),
  ]
    .map((js) => `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`)
    .join('\n');
  return scripts;
}

/** A chart container holding `svg`, upgraded in the browser to the interactive `spec`. */
export function chartFigure(id: string, spec: ChartSpec, svg: string): string {
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return (
    `<div class="chart" id="${id}">${svg}</div>` +
    `<script>vegaEmbed(${JSON.stringify('#' + id)}, ${json}, { actions: false, renderer: 'svg' })` +
    `.catch((e) => console.error('chart ${id}:', e));</script>`
  );
}
