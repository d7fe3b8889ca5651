// `npm run build:web`: the page as static files in web/dist (serve them with a bundle in dist/bundle/,
/* global console */
// or run `kitseg serve`). esbuild bundles for the browser, so a Node import anywhere fails the build.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { main: join(here, 'main.ts'), worker: join(here, 'worker.ts') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome110',
  outdir: out,
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'linked',
});
for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(out, f));
const wasm = join(here, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
])
  copyFileSync(join(wasm, f), join(out, f));
console.log(`web page built in ${out}`);
