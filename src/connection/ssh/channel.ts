/**
 * The JSON-RPC byte stream to the remote agent: streamlocal forwarding to the daemon's Unix socket, or — when the
 * server forbids it (AllowStreamLocalForwarding no) — an exec of the agent's `attach` bridging stdio to the socket.
 */
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import type { AgentDeployment } from './deploy';
import { silentLog, type SshLog } from './prompter';
import { shellCommand } from './shellQuote';

export type ChannelMode = 'streamlocal' | 'exec';

export interface AgentChannel {
  stream: Duplex;
  mode: ChannelMode;
}

/**
 * Opens a stream to the agent. `prefer` skips a streamlocal attempt already known to be refused on this host.
 */
export async function openAgentChannel(
  client: Client,
  dep: Pick<AgentDeployment, 'socketPath' | 'nodePath' | 'agentPath'>,
  log: SshLog = silentLog,
  prefer: ChannelMode = 'streamlocal',
): Promise<AgentChannel> {
  if (prefer === 'streamlocal') {
    try {
      const stream = await new Promise<ClientChannel>((resolve, reject) =>
        client.openssh_forwardOutStreamLocal(dep.socketPath, (err, ch) => (err ? reject(err) : resolve(ch))),
      );
      log.info(`channel: streamlocal to ${dep.socketPath}`);
      return { stream, mode: 'streamlocal' };
    } catch (e) {
      // OpenSSH answers a forbidden forward (AllowStreamLocalForwarding no) and a dead socket alike ("open failed"),
      // so try `attach`: it reaches a live daemon either way, and fails with its own message on a dead one.
      const err = e as Error & { reason?: number | string };
      log.warn(`channel: streamlocal to ${dep.socketPath} refused (${err.message}, reason ${String(err.reason)}); the server may forbid streamlocal forwarding; using exec of "agent attach"`);
    }
  }
  const cmd = shellCommand([dep.nodePath, dep.agentPath, 'attach', '--socket', dep.socketPath]);
  const stream = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec(cmd, (err, ch) => (err ? reject(new Error(`exec of agent attach failed: ${err.message}`)) : resolve(ch))),
  );
  let stderr = '';
  stream.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-2000);
  });
  stream.on('exit', (code: number | null) => {
    if (code) log.warn(`channel: agent attach exited with ${code}${stderr ? `: ${stderr.trim()}` : ''}`);
  });
  log.info(`channel: exec ${cmd}`);
  return { stream, mode: 'exec' };
}
