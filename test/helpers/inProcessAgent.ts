import { pairsHandlers } from '../../remote/server/handlers/pairs';
import type { AgentContext, ConnectionContext, Handler } from '../../remote/server/types';
import type { Run, RunStore } from '../../remote/store/runStore';
import type { RequestMethod } from '../../remote/protocol';
import type { AgentApi, LinkState } from '../../src/connection/agentApi';

/** An in-process agent: the real pairs handlers (on one open Run) behind an AgentApi whose link can be cut. */
export function inProcessAgent(run: Run, store: RunStore): AgentApi & { setState(s: LinkState): void; loseReplies: number; calls: string[] } {
  const ctx: AgentContext = { store, openRun: () => run, agentVersion: 't', bundleHash: 'h' };
  const conn: ConnectionContext = { id: 1, notify: () => undefined, onClose: () => undefined };
  const listeners = new Set<(s: LinkState) => void>();
  const api = {
    label: 'fake',
    state: 'connected' as LinkState,
    loseReplies: 0,
    calls: [] as string[],
    setState(s: LinkState) {
      api.state = s;
      for (const l of listeners) l(s);
    },
    onDidChangeState(l: (s: LinkState) => void) {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    async request(method: RequestMethod, params: unknown) {
      if (api.state !== 'connected') throw new Error('link down');
      api.calls.push(method);
      const h = pairsHandlers[method] as Handler<RequestMethod> | undefined;
      if (!h) throw new Error(`no handler ${method}`);
      const result = await h(params as never, ctx, conn, new AbortController().signal);
      if (api.loseReplies > 0 && method === 'pairs/decide') {
        api.loseReplies--;
        throw new Error('connection reset before the reply');
      }
      return result;
    },
    onNotification: () => ({ dispose: () => undefined }),
    dispose: () => undefined,
  };
  return api as unknown as AgentApi & { setState(s: LinkState): void; loseReplies: number; calls: string[] };
}

