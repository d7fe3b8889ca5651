/**
 * The model runs here, off the page's thread, so the progress bar keeps moving: tfjs on webgl
 * (an OffscreenCanvas), else wasm, else plain JS; kitseg's browser entry does the rest.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fetchBundle, segmentNifti, type BundleManifest, type Pipeline } from '../lib/web.js';
import type { FromWorker, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as { postMessage(m: FromWorker, t: Transferable[]): void }).postMessage(m, transfer);

let loaded: { manifest: BundleManifest; pipeline: Pipeline } | null = null;

async function pickBackend(): Promise<string> {
  for (const name of ['webgl', 'wasm', 'cpu']) {
    if (name === 'wasm') setWasmPaths(new URL('./', self.location.href).href);
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // This backend cannot start here (no WebGL in a worker, no wasm): the next one is tried.
    }
  }
  throw new Error('no tfjs backend could start');
}

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'load') {
    const backend = await pickBackend();
    loaded = await fetchBundle(m.url);
    post({ type: 'ready', backend, name: loaded.manifest.name, labels: loaded.manifest.labels.names });
    return;
  }
  if (loaded === null) throw new Error('the model has not loaded yet');
  const r = await segmentNifti(
    loaded.pipeline,
    loaded.manifest,
    new Uint8Array(m.bytes),
    m.name,
    (stage, done, total) => post({ type: 'progress', stage, done, total }),
  );
  const nifti = r.nifti.slice().buffer;
  post({ type: 'done', nifti, volumesMl: r.volumesMl, seconds: r.seconds }, [nifti]);
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', message: (err as Error).message }));
};
