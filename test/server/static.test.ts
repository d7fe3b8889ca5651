// `kitseg serve`'s server: the page and the bundle by path with their content types, on 127.0.0.1,
// nothing outside the two folders, GET only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { serveWebPage } from '../../lib/server/static.js';
import { IoError } from '../../lib/core/errors.js';
import { useTmpDir } from '../helpers/tmp.js';

describe('server: the web page and a bundle', () => {
  const tmp = useTmpDir();

  it('serves both folders, and 404s whatever lies outside them', async () => {
    const page = join(tmp(), 'page');
    const bundle = join(tmp(), 'bundle');
    mkdirSync(join(bundle, 'main', 'model-0'), { recursive: true });
    mkdirSync(page);
    writeFileSync(join(page, 'index.html'), '<p>page</p>');
    writeFileSync(join(page, 'x.wasm'), 'w');
    writeFileSync(join(bundle, 'bundle.json'), '{"format":1}');
    writeFileSync(join(bundle, 'main', 'model-0', 'group1-shard1of1.bin'), 'b');
    writeFileSync(join(tmp(), 'secret.txt'), 'no');
    const { server, url } = await serveWebPage({ page, bundle, port: 0 });
    try {
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const get = async (p: string, init?: RequestInit) => {
        const r = await fetch(url + p, init);
        return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
      };
      expect(await get('')).to.deep.equal({
        status: 200,
        type: 'text/html; charset=utf-8',
        body: '<p>page</p>',
      });
      expect((await get('x.wasm')).type).to.equal('application/wasm');
      expect((await get('bundle/bundle.json')).body).to.equal('{"format":1}');
      expect((await get('bundle/main/model-0/group1-shard1of1.bin')).type).to.equal(
        'application/octet-stream',
      );
      for (const p of [
        'secret.txt',
        '%2e%2e/secret.txt',
        'bundle/%2e%2e/%2e%2e/secret.txt',
        'bundle/',
        'nope.js',
      ])
        expect((await get(p)).status, p).to.equal(404);
      expect((await get('', { method: 'POST' })).status).to.equal(405);
    } finally {
      server.close();
    }
  });

  const rejection = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p;
    } catch (e) {
      expect(e).to.be.instanceOf(IoError);
      return e as Error;
    }
    throw new Error('expected a rejection');
  };

  it('refuses a page that was not built and a folder that is not a bundle, naming the folder', async () => {
    const e1 = await rejection(serveWebPage({ page: join(tmp(), 'none'), bundle: tmp(), port: 0 }));
    expect(e1.message).to.match(/no built web page here: run `npm run build:web`/);
    mkdirSync(join(tmp(), 'page'));
    writeFileSync(join(tmp(), 'page', 'index.html'), '');
    const e2 = await rejection(serveWebPage({ page: join(tmp(), 'page'), bundle: tmp(), port: 0 }));
    expect(e2.message).to.match(/not a kitseg bundle: no bundle\.json/);
    expect(e2.message).to.include(tmp());
  });
});
