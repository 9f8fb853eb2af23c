/** `preflight/run`: the same checks as `agent.js preflight`, for the "Run Preflight Checks" command. */
import { validateConfig, ConfigError } from '../../config/config';
import { RpcErrors, type RunConfig } from '../../protocol';
import { runPreflight } from '../../preflight';
import { AgentError, type HandlerMap } from '../types';

export const preflightHandlers: HandlerMap = {
  'preflight/run': async (params, agent) => {
    let config: RunConfig | undefined;
    if (params?.config !== undefined && params.config !== null) {
      try {
        config = validateConfig(params.config, 'preflight config');
      } catch (e) {
        if (e instanceof ConfigError) throw new AgentError(RpcErrors.InvalidConfig, e.message);
        throw e;
      }
    }
    return runPreflight(config, { runsDir: agent.store.runsDir });
  },
};
