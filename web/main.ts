/**
 * The kitseg web page: open a CT, show it in NiiVue, segment it in a worker with the bundle served
 * beside the page (`?bundle=URL` picks another), overlay the labels, list their volumes and offer
 * them as a NIfTI with the input's geometry. `window.kitseg` exposes the state to tests.
 */
import { Niivue } from '@niivue/niivue';
import type { FromWorker, ToWorker } from './protocol.js';

interface PageState {
  phase: 'loading' | 'ready' | 'segmenting' | 'done' | 'error';
  backend?: string;
  error?: string;
  seconds?: number;
  volumesMl?: Readonly<Record<string, number>>;
  /** The last segmentation as a .nii.gz, base64 (what the download link holds). */
  niftiBase64?: string;
}

const state: PageState = { phase: 'loading' };
(window as unknown as { kitseg: PageState }).kitseg = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (t: string) => ($('status').textContent = t);
const nv = new Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: true });
const viewer = nv.attachToCanvas($<HTMLCanvasElement>('viewer'));
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
const bundleUrl = new URL(new URLSearchParams(location.search).get('bundle') ?? 'bundle/', location.href)
  .href;

// Label colours: kidney red, tumour yellow, cyst blue (as kitseg's overlays draw them).
const LUT = {
  R: [0, 230, 250, 60],
  G: [0, 50, 220, 120],
  B: [0, 50, 40, 240],
  A: [0, 160, 200, 180],
  I: [0, 1, 2, 3],
};
let labelNames: readonly string[] = [];
let current = '';

function fail(message: string): void {
  state.phase = 'error';
  state.error = message;
  status(`error: ${message}`);
  console.warn(`kitseg: ${message}`);
}

async function open(file: File): Promise<void> {
  if (state.phase === 'loading' || state.phase === 'segmenting') return;
  current = file.name;
  await viewer;
  await nv.loadVolumes([{ url: URL.createObjectURL(file), name: file.name }]);
  state.phase = 'segmenting';
  $<HTMLAnchorElement>('download').hidden = true;
  $('volumes').hidden = true;
  status(`segmenting ${file.name}…`);
  const bytes = await file.arrayBuffer();
  send({ type: 'segment', bytes, name: file.name }, [bytes]);
}

async function show(m: Extract<FromWorker, { type: 'done' }>): Promise<void> {
  const blob = new Blob([m.nifti], { type: 'application/gzip' });
  const url = URL.createObjectURL(blob);
  const out = current.replace(/(\.nii)?(\.gz)?$/, '') + '_seg.nii.gz';
  while (nv.volumes.length > 1) nv.removeVolume(nv.volumes[nv.volumes.length - 1]!);
  await nv.addVolumeFromUrl({ url, name: out, opacity: 0.6 });
  nv.volumes[1]!.setColormapLabel({ ...LUT, labels: [...labelNames] });
  nv.updateGLVolume();
  const a = $<HTMLAnchorElement>('download');
  a.href = url;
  a.download = out;
  a.hidden = false;
  const rows = Object.entries(m.volumesMl).map(([k, v]) => `<tr><td>${k}</td><td>${v.toFixed(1)}</td></tr>`);
  $('volumes').querySelector('tbody')!.innerHTML = rows.join('');
  $('volumes').hidden = false;
  const bin = new Uint8Array(m.nifti);
  let s = '';
  for (let i = 0; i < bin.length; i += 0x8000) s += String.fromCharCode(...bin.subarray(i, i + 0x8000));
  Object.assign(state, { phase: 'done', seconds: m.seconds, volumesMl: m.volumesMl, niftiBase64: btoa(s) });
  status(`segmented ${current} in ${m.seconds.toFixed(1)} s`);
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'ready') {
    state.phase = 'ready';
    state.backend = m.backend;
    labelNames = m.labels;
    $('model').textContent = `model ${m.name} on tfjs ${m.backend}`;
    status('open a CT to segment it');
  } else if (m.type === 'progress') {
    $<HTMLProgressElement>('progress').value = m.done / m.total;
    status(`${m.stage}: window ${m.done} of ${m.total}`);
  } else if (m.type === 'done') {
    show(m).catch((err: unknown) => fail((err as Error).message));
  } else fail(m.message);
};
worker.onerror = (e) => fail(e.message);

$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f !== undefined) open(f).catch((err: unknown) => fail((err as Error).message));
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f !== undefined) open(f).catch((err: unknown) => fail((err as Error).message));
});
send({ type: 'load', url: bundleUrl });
