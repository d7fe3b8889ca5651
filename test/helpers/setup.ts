// Root hooks: tests run on the dnnl backend (native oneDNN kernels) when it loads, else on the
// tfjs cpu backend; each test starts on that default backend, quietly.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select.js';

let defaultBackend = 'cpu';

/** The backend every test starts on. */
export function testBackend(): string {
  return defaultBackend;
}

export const mochaHooks = {
  async beforeAll() {
    tf.env().set('PROD', true);
    const sel = await selectBackend('dnnl').catch(() => selectBackend('cpu'));
    defaultBackend = sel.tfBackend;
  },
  async beforeEach() {
    if (tf.getBackend() !== defaultBackend) await tf.setBackend(defaultBackend);
  },
};
