/** `secrets/set`: an API key from the extension, held in memory only (remote/secrets.ts). */
import { RpcErrors } from '../../protocol';
import { setSecret } from '../../secrets';
import { AgentError, type HandlerMap } from '../types';

export const secretsHandlers: HandlerMap = {
  'secrets/set': async (params) => {
    if (typeof params?.name !== 'string' || typeof params.value !== 'string') {
      throw new AgentError(RpcErrors.InvalidConfig, 'secrets/set: params must be {name: string, value: string}');
    }
    try {
      setSecret(params.name, params.value);
    } catch (e) {
      throw new AgentError(RpcErrors.InvalidConfig, `secrets/set: ${(e as Error).message}`);
    }
    return { ok: true };
  },
};
