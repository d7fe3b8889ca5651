// A model folder rewritten as tfjs weight shards loads to the same model (bundles ship shards).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { loadModel, modelFiles, saveModel, writeSharded } from '../../lib/io/checkpoint.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('io: tfjs weight shards', () => {
  const tmp = useTmpDir();

  it('splits weights.bin into shards no larger than asked, and loads them to the same predictions', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 300, inputShape: [1000], useBias: true })] });
    await saveModel(m, join(tmp(), 'one'));
    writeSharded(join(tmp(), 'one'), join(tmp(), 'shards'), 400_000);
    // 1000 × 300 + 300 float32 = 1,201,200 bytes: three full shards of 400,000 and one of 1,200.
    expect(modelFiles(join(tmp(), 'shards'))).to.deep.equal([
      'model.json',
      'group1-shard1of4.bin',
      'group1-shard2of4.bin',
      'group1-shard3of4.bin',
      'group1-shard4of4.bin',
    ]);
    const sizes = readdirSync(join(tmp(), 'shards'))
      .filter((f) => f.endsWith('.bin'))
      .sort()
      .map((f) => statSync(join(tmp(), 'shards', f)).size);
    expect(sizes).to.deep.equal([400_000, 400_000, 400_000, 1_200]);
    const back = await loadModel(join(tmp(), 'shards'));
    const x = tf.randomNormal([2, 1000], 0, 1, 'float32', 3);
    const a = m.predict(x) as tf.Tensor;
    const b = back.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).to.deep.equal(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    m.dispose();
    back.dispose();
  });
});
