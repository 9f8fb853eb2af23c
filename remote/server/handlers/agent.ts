/** agent/*: the daemon itself (agent/hello is answered by the server: it is connection authentication). */
import type { DaemonHandlerMap } from '../daemon';

export const agentHandlers: DaemonHandlerMap = {
  'agent/shutdown': async (_p, daemon) => {
    // Answer first, then stop: vscode-jsonrpc writes the answer asynchronously after this returns, so give it a
    // moment to leave before the connections close; the process exits once iterations have stopped.
    setTimeout(() => void daemon.shutdown(), 100);
    return { ok: true };
  },
  'agent/logTail': async ({ lines }, daemon) => ({ lines: daemon.logTail(lines) }),
};
