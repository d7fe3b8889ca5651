/// <reference lib="dom" />
// The web page in Debian's chromium (puppeteer-core): `kitseg serve`'s server, a small synthetic CT
// opened through the file picker, segmented in the browser with a small cascade bundle. Its labels
// must agree with `kitseg predict --model` (Dice per label, webgl float differences allowed), the
// downloaded NIfTI must keep the input's geometry, and the page must log no error.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import puppeteer from 'puppeteer-core';
import { readCanonical } from '../../lib/io/canonical.js';
import { readNifti } from '../../lib/io/nifti.js';
import { serveWebPage } from '../../lib/server/static.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { ROOT, runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';

const config = (name: string, root: string, extra: string) => `name: ${name}
seed: 5
backend: cpu
data: {root: ${root}, splits: {val: 1}}
preprocess: {spacing: [5, 5, 5], normalization: {type: window, lo: -250, hi: 250}}
optim: {type: adam, lr: 0.003}
train: {epochs: 2, iterationsPerEpoch: 4, batchSize: 2, patchSize: [16, 32, 32], valEvery: 1, valPatches: 2}
${extra}`;

function dice(a: ArrayLike<number>, b: ArrayLike<number>, label: number): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] === label;
    const y = b[i] === label;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

describe('web page in chromium', function () {
  this.timeout(900_000);
  const tmp = useTmpDir();

  it('segments a CT in the browser as kitseg predict --model does, and downloads it with its geometry', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`).to.equal(true);
    expect(existsSync(join(ROOT, 'web/dist/index.html')), 'npm run build:web').to.equal(true);
    const data = join(tmp(), 'data');
    const runs = join(tmp(), 'runs');
    writeSyntheticDataset({ out: data, cases: 3, seed: 11, preset: 'small' });
    const s1 = join(tmp(), 's1.yaml');
    const s2 = join(tmp(), 's2.yaml');
    const net = (c: number) =>
      `model: {type: unet3d, inChannels: ${c}, baseFilters: 4, maxFilters: 16, poolSchedule: [[2, 2, 2], [2, 2, 2]]}\n`;
    writeFileSync(s1, config('w1', data, net(1) + 'postprocess: {kidneyComponents: {}}\n'));
    writeFileSync(
      s2,
      config('w2', data, net(2) + `inference: {cascade: {stage1: ${s1}, marginMm: [10, 10, 10]}}\n`),
    );
    for (const c of [s1, s2]) {
      const t = await runKitseg('train', '--config', c, '--runs', runs, '--log-level', 'silent');
      expect(t.code, t.err).to.equal(0);
    }
    const bundle = join(tmp(), 'bundle');
    const e = await runKitseg(
      'export',
      '--run',
      join(runs, 'w1'),
      '--stage2',
      join(runs, 'w2'),
      '--out',
      bundle,
    );
    expect(e.code, e.err).to.equal(0);
    const input = join(data, 'case_00002', 'imaging.nii.gz');
    const nodeOut = join(tmp(), 'node.nii.gz');
    const p = await runKitseg(
      'predict',
      '--model',
      bundle,
      '--input',
      input,
      '--output',
      nodeOut,
      '--log-level',
      'silent',
    );
    expect(p.code, p.err).to.equal(0);

    const { server, url } = await serveWebPage({ page: join(ROOT, 'web/dist'), bundle, port: 0 });
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless=new', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (err) => errors.push(String(err)));
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(url, { waitUntil: 'load' });
      type State = {
        phase: string;
        backend?: string;
        error?: string;
        seconds?: number;
        niftiBase64?: string;
      };
      const phase = () => page.evaluate(() => (window as unknown as { kitseg: State }).kitseg);
      await page.waitForFunction(() => (window as unknown as { kitseg: State }).kitseg.phase !== 'loading', {
        timeout: 120_000,
      });
      expect((await phase()).error).to.equal(undefined);
      const picker = await page.$('#file');
      await (picker as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(input);
      await page.waitForFunction(
        () => ['done', 'error'].includes((window as unknown as { kitseg: State }).kitseg.phase),
        { timeout: 600_000 },
      );
      const s = await phase();
      expect(s.error).to.equal(undefined);
      expect(s.phase).to.equal('done');
      const downloaded = join(tmp(), 'browser_seg.nii.gz');
      writeFileSync(downloaded, Buffer.from(s.niftiBase64!, 'base64'));
      const link = await page.$eval('#download', (a) => ({
        name: (a as HTMLAnchorElement).download,
        hidden: (a as HTMLAnchorElement).hidden,
      }));
      expect(link).to.deep.equal({ name: 'imaging_seg.nii.gz', hidden: false });
      await page.screenshot({ path: join(tmp(), 'page.png') });
      if (process.env.KITSEG_SCREENSHOT !== undefined)
        await page.screenshot({ path: process.env.KITSEG_SCREENSHOT });

      // The download keeps the input file's shape and affine, voxel order included.
      const src = readNifti(input);
      const got = readNifti(downloaded);
      expect(got.shape).to.deep.equal(src.shape);
      expect(got.affine).to.deep.equal(src.affine);
      const web = readCanonical(downloaded).data;
      const ref = readCanonical(nodeOut).data;
      const scores = [1, 2].map((l) => dice(web, ref, l));
      console.log(
        `      browser (${s.backend}) ${s.seconds!.toFixed(1)} s; Dice vs Node: kidney ${scores[0]!.toFixed(4)}, tumour ${scores[1]!.toFixed(4)}`,
      );
      let fg = 0;
      for (const v of ref) if (v !== 0) fg++;
      expect(fg, 'the Node prediction labels something').to.be.greaterThan(0);
      for (const d of scores) expect(d).to.be.at.least(0.99);
      expect(errors).to.deep.equal([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
