/** Messages between the page and the worker that runs the model. */
export type ToWorker =
  | { readonly type: 'load'; readonly url: string }
  | { readonly type: 'segment'; readonly bytes: ArrayBuffer; readonly name: string };

export type FromWorker =
  | {
      readonly type: 'ready';
      readonly backend: string;
      readonly name: string;
      readonly labels: readonly string[];
    }
  | { readonly type: 'progress'; readonly stage: string; readonly done: number; readonly total: number }
  | {
      readonly type: 'done';
      readonly nifti: ArrayBuffer;
      readonly volumesMl: Readonly<Record<string, number>>;
      readonly seconds: number;
    }
  | { readonly type: 'error'; readonly message: string };
