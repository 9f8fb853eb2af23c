/**
 * The one place that knows how the ConnectionManager takes an SSH-made agent connection (its `attach` extension
 * point), so a change of that shape touches only this file. Host-key and authentication failures end the
 * reconnecting (a person has to act); so does a refused agent token.
 */
import { RpcErrors } from '../../../remote/protocol';
import { isRpcError, type AgentRpc } from '../../../remote/rpc/client';
import type { ConnectionManager } from '../../services';
import type { AgentApi } from '../agentApi';
import type { AgentClientOptions } from '../agentClient';
import { isFatalSshError } from './sshLink';

type Attachable = ConnectionManager & {
  attach?(linkFactory: () => Promise<AgentRpc>, label: string, opts?: Pick<AgentClientOptions, 'isFatal' | 'backoff'>): Promise<AgentApi>;
};

export async function attachToManager(manager: ConnectionManager, linkFactory: () => Promise<AgentRpc>, label: string): Promise<AgentApi> {
  const m = manager as Attachable;
  if (typeof m.attach !== 'function') throw new Error('this build has no connection manager to attach an SSH agent to');
  return m.attach(linkFactory, label, { isFatal: (e) => isFatalSshError(e) || isRpcError(e, RpcErrors.Unauthorized) });
}
