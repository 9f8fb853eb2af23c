/** Every handler group the daemon serves; the server merges them (a method answered twice is an error). */
import type { DaemonHandlerMap } from '../daemon';
import type { HandlerMap } from '../types';
import { agentHandlers } from './agent';
import { runsHandlers } from './runs';
import { eventsHandlers } from './events';
import { filesHandlers } from './files';
import { rubricHandlers } from './rubric';
import { iterationHandlers } from './iteration';
import { previewHandlers } from './preview';
import { preflightHandlers } from './preflight';
import { secretsHandlers } from './secrets';
import { evalHandlers } from './eval';
import { pairsHandlers } from './pairs';
import { runAdminHandlers } from './runAdmin';

export const handlerGroups: (DaemonHandlerMap | HandlerMap)[] = [agentHandlers, runsHandlers, eventsHandlers, filesHandlers, rubricHandlers, iterationHandlers, previewHandlers, preflightHandlers, secretsHandlers, evalHandlers, pairsHandlers, runAdminHandlers];
