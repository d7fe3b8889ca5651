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

  it('auto tries the better backends in order and says why each was not used', async () => {
    const sel = await selectBackend('auto');
    expect(sel.probes.map((p) => p.name)).to.deep.equal(
      ['tensorflow-gpu', 'tensorflow', 'dnnl', 'cpu'].slice(0, sel.probes.length),
    );
    for (const p of sel.probes.slice(0, -1)) {
      expect(p.loaded).to.equal(false);
      expect(p.reason.length).to.be.greaterThan(0);
    }
    expect(sel.probes.at(-1)!.name).to.equal(sel.name);
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
