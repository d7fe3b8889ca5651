/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// report.html opened in Debian's chromium (puppeteer-core): no console errors, every chart drawn by
// vega-embed with titled axes, and every overlay image decodes.
import { expect } from 'chai';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { ConfigSchema } from '../../lib/config/schema/index.js';
import { discoverCases } from '../../lib/data/kits19.js';
import { writeHtmlReport } from '../../lib/evaluation/html-report.js';
import { KITS19_SCORING, scoreCase, summarize } from '../../lib/evaluation/scores.js';
import { readCanonical } from '../../lib/io/canonical.js';
import { runDir } from '../../lib/io/run-dir.js';
import { writeSyntheticDataset } from '../../lib/synth/dataset.js';
import { writeTrainingCurves } from '../../lib/training/curves.js';
import { runKitseg } from '../helpers/cli.js';
import { useTmpDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';

/** A run folder with a short training history and an evaluation of two phantom cases. */
async function reportFixture(dir: string): Promise<string> {
  const data = join(dir, 'data');
  writeSyntheticDataset({ out: data, cases: 2, seed: 3, preset: 'small' });
  const root = join(dir, 'run');
  const run = runDir(root);
  mkdirSync(root, { recursive: true });
  const lines: object[] = [];
  for (let s = 1; s <= 40; s++)
    lines.push({ epoch: Math.ceil(s / 20), step: s, loss: 2 / Math.sqrt(s), lr: 1e-3 });
  lines.push(
    { epoch: 1, step: 20, val: { kidney: 0.6, tumor: 0.2, composite: 0.4 } },
    { epoch: 1, step: 20, seconds: 12 },
  );
  lines.push(
    { epoch: 2, step: 40, val: { kidney: 0.8, tumor: 0.5, composite: 0.65 } },
    { epoch: 2, step: 40, seconds: 11 },
  );
  writeFileSync(run.metrics, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  await writeTrainingCurves(run, 'fixture');
  const refs = discoverCases(data);
  const preds = join(root, 'evaluation', 'val', 'predictions');
  mkdirSync(preds, { recursive: true });
  const cases = refs.map((r) => {
    cpSync(r.segmentationPath!, join(preds, `${r.id}.nii.gz`));
    const l = readCanonical(r.segmentationPath!);
    return scoreCase(r.id, l.data, l.data, l.shape, l.spacingMm, KITS19_SCORING);
  });
  const tables = [{ name: 'raw', cases, summary: summarize(cases) }];
  writeFileSync(
    run.config,
    JSON.stringify({ ...ConfigSchema.parse({ name: 'fixture', data: { root: data } }), configHash: 'x' }),
  );
  writeFileSync(join(root, 'evaluation', 'val', 'scores.json'), JSON.stringify({ split: 'val', tables }));
  return writeHtmlReport({
    runDir: root,
    title: 'fixture — val',
    config: { name: 'fixture' },
    tables: [{ name: 'raw', cases, summary: summarize(cases) }],
    refs,
    predictions: preds,
  });
}

describe('evaluation/report.html in chromium', function () {
  this.timeout(300_000);
  const tmp = useTmpDir();

  it('renders every chart with titled axes, decodes every overlay, and logs no error', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`).to.equal(true);
    const path = await reportFixture(tmp());
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless=new'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(`file://${path}`, { waitUntil: 'load' });
      // vega-embed replaces the static SVG with its own view and marks the container with its class.
      await page.waitForFunction(
        () => document.querySelectorAll('.chart.vega-embed > svg.marks').length === 2,
        {
          timeout: 60_000,
        },
      );
      const charts = await page.$$eval('.chart', (els) =>
        els.map((el) => ({
          id: el.id,
          titles: [...el.querySelectorAll('.role-axis-title text')].map((t) => t.textContent),
          marks: el.querySelectorAll('.role-mark').length,
        })),
      );
      expect(charts.map((c) => c.id)).to.deep.equal(['curves', 'dice']);
      expect(charts[0]!.titles).to.include.members([
        'step',
        'loss',
        'validation score',
        'learning rate',
        'seconds per epoch',
      ]);
      expect(charts[1]!.titles).to.include.members(['Dice', 'region']);
      for (const c of charts) expect(c.marks, c.id).to.be.greaterThan(0);
      const images = await page.$$eval('img', (imgs) =>
        Promise.all(
          imgs.map((i) =>
            i.decode().then(
              () => i.naturalWidth,
              () => 0,
            ),
          ),
        ),
      );
      expect(images).to.have.length(4); // 2 cases × axial and coronal
      expect(images.every((w) => w > 0)).to.equal(true);
      await page.screenshot({ path: join(tmp(), 'report.png'), fullPage: true });
      expect(errors).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });

  it('kitseg report RUN rebuilds report.html and the curves from the run folder', async () => {
    const path = await reportFixture(tmp());
    const root = join(tmp(), 'run');
    rmSync(path);
    rmSync(runDir(root).curvesSpec);
    const r = await runKitseg('report', root, '--json');
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.equal({ report: path });
    const html = readFileSync(path, 'utf8');
    expect(html.match(/vegaEmbed\("#(curves|dice)"/g)).to.deep.equal([
      'vegaEmbed("#curves"',
      'vegaEmbed("#dice"',
    ]);
    expect(html).to.contain('<h3>case_00000 — kidney 1.0000, tumour 1.0000</h3>');
    expect(existsSync(runDir(root).curvesSpec)).to.equal(true);
    const missing = await runKitseg('report', root, '--evaluation', 'test');
    expect(missing.code).to.equal(1);
    expect(missing.err).to.match(/evaluation: no evaluation "test" \(have: val\)/);
    const notRun = await runKitseg('report', join(tmp(), 'data'));
    expect(notRun.err).to.match(/not a run folder: no config\.resolved\.json/);
  });
});
