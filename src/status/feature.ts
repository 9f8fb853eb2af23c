/** Status bar item, context keys and background iteration notifications. */
import type { Feature } from '../services';
import { openDashboard } from '../dashboard/feature';
import { runsModel } from '../runs/runsModel';
import { trackContextKeys } from './contextKeys';
import { watchIterations } from './notifications';
import { createStatusBar } from './statusBar';

export const statusFeature: Feature = {
  activate(services) {
    const model = runsModel(services);
    services.context.subscriptions.push(
      trackContextKeys(services, model),
      createStatusBar(services, model),
      watchIterations(services, model, (runId, t) => openDashboard(services, runId, t)),
    );
  },
};
