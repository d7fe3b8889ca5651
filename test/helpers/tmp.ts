/** Temporary folders for tests, removed after each suite that asks for one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function useTmpDir(): () => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kitseg-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

export const SHARED = new URL('../../../shared/', import.meta.url).pathname;
export const REAL_CT = join(SHARED, 'fixtures/real-ct');
export const KITS_LABELS = join(SHARED, 'fixtures/kits19-labels');
