/**
 * `kitseg render --image IMG [--seg SEG] [--pred PRED] --out x.png [--axis …] [--slice N]`: the CT
 * slice in a soft-tissue window, then the reference and the prediction overlaid (kidney red,
 * tumour green), side by side.
 */
import type { Argv } from 'yargs';
import { assertSameGeometry } from '../../data/kits19.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { readCanonical } from '../../io/canonical.js';
import type { SliceAxis } from '../../io/overlay.js';
import { renderOverlayPng } from '../../io/render.js';
import type { CliCommand, CliIO, GlobalArgs } from '../context.js';

interface Args extends GlobalArgs {
  image: string;
  seg?: string;
  pred?: string;
  out: string;
  axis: SliceAxis;
  slice?: number;
  window: number[];
}

export function renderCommand(io: CliIO): CliCommand<Args> {
  return {
    command: 'render',
    describe: 'Draw a CT slice with reference and/or predicted labels as a PNG',
    builder: (y: Argv) =>
      y
        .option('image', { type: 'string', demandOption: true, describe: 'CT NIfTI' })
        .option('seg', { type: 'string', describe: 'Reference labels' })
        .option('pred', { type: 'string', describe: 'Predicted labels' })
        .option('out', { type: 'string', demandOption: true, describe: 'PNG to write' })
        .option('axis', { choices: ['axial', 'coronal', 'sagittal'], default: 'axial' })
        .option('slice', { type: 'number', describe: 'Slice index (default: the most labelled)' })
        .option('window', { type: 'number', array: true, default: [-160, 240], describe: 'HU window lo hi' }),
    handler: (a: Args) => {
      const image = readCanonical(a.image);
      const panels = [a.seg, a.pred].flatMap((p) => {
        if (p === undefined) return [];
        const v = readCanonical(p);
        assertSameGeometry(image, v, p);
        return [v.data];
      });
      const { png, index } = renderOverlayPng({
        image: image.data,
        shape: image.shape,
        spacingMm: image.spacingMm,
        panels,
        axis: a.axis,
        ...(a.slice === undefined ? {} : { index: a.slice }),
        window: [a.window[0] ?? -160, a.window[1] ?? 240],
      });
      writeFileAtomic(a.out, png);
      io.out(`${a.out} (${a.axis} slice ${index})\n`);
    },
  };
}
