/** Runs the CLI in-process, capturing stdout, stderr and the exit code. */
import { runCli } from '../../lib/cli/main.js';
import type { CliIO } from '../../lib/cli/context.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

export async function runKitseg(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), env: {} };
  const code = await runCli(argv, io);
  return { code, out, err };
}
