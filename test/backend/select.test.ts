import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { testBackend } from '../helpers/setup.js';
import { selectBackend } from '../../lib/backend/select.js';
import { BackendError } from '../../lib/core/errors.js';

const TFJS_NODE: string = '@tensorflow/tfjs-node';
const hasTfjsNode = await import(TFJS_NODE).then(
  () => true,
  () => false,
);

describe('backend/select', () => {
  after(async () => {
    await tf.setBackend(testBackend());
  });

  it('auto picks the first backend whose explicit request succeeds, and says why each before it failed', async () => {
    // Ground truth from explicit requests, on whatever this machine has: every backend before the
    // chosen one must fail when asked for by name, and the chosen one must succeed.
    const explicit: { name: string; ok: boolean }[] = [];
    for (const name of ['tensorflow-gpu', 'tensorflow', 'dnnl', 'cpu'] as const) {
      const ok = await selectBackend(name).then(
        () => true,
        () => false,
      );
      explicit.push({ name, ok });
      if (ok) break;
    }
    const sel = await selectBackend('auto');
    expect(sel.name).to.equal(explicit.at(-1)!.name);
    expect(sel.probes.map((p) => [p.name, p.loaded])).to.deep.equal(explicit.map((e) => [e.name, e.ok]));
    for (const p of sel.probes.slice(0, -1)) expect(p.reason).to.match(/\S/);
    expect(tf.getBackend()).to.equal(sel.tfBackend);
  });

  it('an explicit request is met exactly or is an error, never a fallback', async () => {
    let err: unknown;
    let name: string | undefined;
    try {
      name = (await selectBackend('tensorflow')).name;
    } catch (e) {
      err = e;
    }
    if (hasTfjsNode) expect(name).to.equal('tensorflow');
    else {
      expect(err).to.be.instanceOf(BackendError);
      expect((err as Error).message).to.match(/tfjs-node: not installed/);
    }
  });

  it('cpu is always available', async () => {
    const sel = await selectBackend('cpu');
    expect(sel.name).to.equal('cpu');
    expect(sel.probes).to.have.length(1);
  });
});
