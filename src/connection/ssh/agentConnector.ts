/**
 * Turns an SshLink into "give me an authenticated agent connection": waits for the live SSH session (reconnecting
 * if needed), makes sure the agent is deployed and running on it (once per SSH session), opens the channel and says
 * agent/hello. Called again by the agent client after every drop.
 */
import { connectAgent, type AgentRpc } from '../../../remote/rpc/client';
import { openAgentChannel, type ChannelMode } from './channel';
import { deployAgent, type AgentDeployment, type DeployOptions } from './deploy';
import { silentLog, type SshLog } from './prompter';
import type { SshLink, SshSession } from './sshLink';

export interface AgentConnector {
  (): Promise<AgentRpc>;
  /** the deployment of the current SSH session, once known */
  readonly deployment: AgentDeployment | undefined;
}

export function sshAgentConnector(link: SshLink, deploy: DeployOptions, log: SshLog = deploy.log ?? silentLog): AgentConnector {
  let dep: AgentDeployment | undefined;
  let depSession: SshSession | undefined;
  let mode: ChannelMode = 'streamlocal';
  const open = async (): Promise<AgentRpc> => {
    // A drop can show on the agent channel before the SSH client notices: then wait for it and use the next session.
    for (let attempt = 1; ; attempt++) {
      const session = await link.session();
      try {
        return await openOn(session);
      } catch (e) {
        if (attempt >= 3) throw e;
        await Promise.race([session.closed, new Promise((r) => setTimeout(r, 2000))]);
        if (session.alive) throw e;
        log.warn(`agent: SSH session to ${link.label} went away while attaching (${(e as Error).message}); trying again`);
      }
    }
  };
  const openOn = async (session: SshSession): Promise<AgentRpc> => {
    if (!dep || depSession !== session) {
      // A new SSH session: check the daemon again (it may have been stopped meanwhile); reuse is cheap.
      dep = await deployAgent(session.client, { ...deploy, log });
      depSession = session;
    }
    const ch = await openAgentChannel(session.client, dep, log, mode);
    mode = ch.mode;
    try {
      const rpc = await connectAgent({ readable: ch.stream, writable: ch.stream }, dep.token, { client: `selfreward-ssh` });
      rpc.onClose(() => ch.stream.destroy());
      log.info(`agent: connected to ${link.label} (agent ${rpc.hello.agentVersion}, pid ${rpc.hello.pid}, ${ch.mode})`);
      return rpc;
    } catch (e) {
      ch.stream.destroy();
      // A stale deployment (daemon gone, token replaced): look again next time.
      depSession = undefined;
      throw e;
    }
  };
  return Object.defineProperty(open, 'deployment', { get: () => dep }) as AgentConnector;
}
