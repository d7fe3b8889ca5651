/**
 * The background batch producer (a worker thread): receives the prepared cases and the sampling
 * setup once, then produces batches in order from its seeded stream, each with the stream's state
 * after it, so the trainer's checkpoints can resume exactly where consumption stopped.
 */
import { parentPort } from 'node:worker_threads';
import { Rng } from '../rng/rng.js';
import { Augmenter } from '../transforms/augment/index.js';
import { sampleBatch } from './data.js';
import type { LoaderInit, LoaderMessage } from './loader.js';

const port = parentPort!;
let init: LoaderInit | null = null;
let rng: Rng | null = null;
let augmenter: Augmenter | null = null;

port.on('message', (m: LoaderMessage) => {
  if (m.type === 'init') {
    init = m.init;
    rng = Rng.fromState(m.init.rngState);
    augmenter = m.init.augment === null ? null : new Augmenter(m.init.augment);
    return;
  }
  if (m.type === 'produce' && init !== null && rng !== null) {
    for (let k = 0; k < m.count; k++) {
      const t0 = performance.now();
      const b = sampleBatch(init.cases, init.patch, init.batchSize, rng, {
        sampling: init.sampling,
        corruption: init.corruption,
        augment: augmenter === null ? null : { augmenter, spacingMm: init.spacingMm },
        slices: init.slices,
        render: init.render,
      });
      const ms = performance.now() - t0;
      port.postMessage({ batch: b, rngState: rng.state(), ms }, [
        b.x.buffer as ArrayBuffer,
        b.y.buffer as ArrayBuffer,
      ]);
    }
  }
});
