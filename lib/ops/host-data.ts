/** Tensor results to host memory, outside `tf.tidy`. */
import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` inside `tf.tidy` and copies the tensor it returns to a host typed array. The copy is
 * made after the tidy: a tidy walks every element of a returned typed array looking for tensors,
 * which took 10.7 s of a 27 s cascade prediction (two 32 × 64 × 96 windows of 3 classes: 1.2 M values).
 */
export function tidyData(fn: () => tf.Tensor): tf.TypedArray {
  const t = tf.tidy(fn);
  try {
    return t.dataSync();
  } finally {
    t.dispose();
  }
}
