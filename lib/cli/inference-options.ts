/** Options shared by `predict` and `evaluate`: checkpoints (ensembles), TTA, the runs folder. */
import type { Argv } from 'yargs';
import type { StageOptions } from '../inference/stage-load.js';

export interface InferenceArgs {
  checkpoint?: string[];
  tta?: boolean;
  runs: string;
}

export function inferenceOptions(y: Argv): Argv {
  return y
    .option('checkpoint', {
      type: 'string',
      array: true,
      describe: 'Checkpoint folder(s); several average into an ensemble (default: the run’s best)',
    })
    .option('tta', {
      type: 'boolean',
      describe: 'Mirroring TTA over all axes (--no-tta: off; default: the config’s inference.ttaAxes)',
    })
    .option('runs', { type: 'string', default: 'runs', describe: 'Folder holding run folders' });
}

export function stageOptionsFrom(a: InferenceArgs): StageOptions {
  return {
    runsDir: a.runs,
    ...(a.checkpoint === undefined || a.checkpoint.length === 0 ? {} : { checkpoints: a.checkpoint }),
    ...(a.tta === undefined ? {} : { ttaAxes: a.tta ? [0, 1, 2] : [] }),
  };
}
