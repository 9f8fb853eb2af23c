/** agent/*: the daemon itself (agent/hello is answered by the server: it is connection authentication). */
import type { DaemonHandlerMap } from '../daemon';

export const agentHandlers: DaemonHandlerMap = {
  'agent/shutdown': async (_p, daemon) => {
    // Answer first, then stop: the client sees ok, and the process exits once iterations have stopped.
    setImmediate(() => void daemon.shutdown());
    return { ok: true };
  },
  'agent/logTail': async ({ lines }, daemon) => ({ lines: daemon.logTail(lines) }),
};
