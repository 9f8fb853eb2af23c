/**
 * The one place that knows how the ConnectionManager takes an SSH-made agent connection (its `attach` extension
 * point), so a change of that shape touches only this file.
 */
import type { AgentRpc } from '../../../remote/rpc/client';
import type { ConnectionManager } from '../../services';

type Attachable = ConnectionManager & { attach?(linkFactory: () => Promise<AgentRpc>, label: string): Promise<unknown> };

export async function attachToManager(manager: ConnectionManager, linkFactory: () => Promise<AgentRpc>, label: string): Promise<void> {
  const m = manager as Attachable;
  if (typeof m.attach !== 'function') throw new Error('this build has no connection manager to attach an SSH agent to');
  await m.attach(linkFactory, label);
}
