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
export const REAL_CT = new URL('../../data/real-ct/', import.meta.url).pathname;
/** The label maps committed with the project (data/README.md). */
export const KITS_LABELS = new URL('../../data/kits19-labels/', import.meta.url).pathname;
export const KITS23_LABELS = new URL('../../data/kits23-labels/', import.meta.url).pathname;
