/** Backend activation for commands, with the one-line report on stderr the brief asks for. */
import type { Logger } from '../core/logger.js';
import { selectBackend, type BackendRequest, type BackendSelection } from '../backend/select.js';

export function describeSelection(sel: BackendSelection): string {
  const others = sel.probes.filter((p) => !p.loaded).map((p) => `${p.name}: ${p.reason}`);
  return `backend: ${sel.name}` + (others.length > 0 ? ` (not used — ${others.join('; ')})` : '');
}

/** Selects the backend and logs which one runs and why better ones did not load. */
export async function activateBackend(request: BackendRequest, log: Logger): Promise<BackendSelection> {
  const sel = await selectBackend(request);
  log.info(describeSelection(sel));
  return sel;
}
