/** The run dashboard feature: the Open Run Dashboard command and the serializer that restores panels after a reload. */
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE } from '../../webview/dashboard/protocol';
import type { Feature, Services } from '../services';
import { iterationArg, runIdArg, runsModel } from '../runs/runsModel';
import { DashboardPanel } from './dashboardPanel';
import { markWalkthroughStep } from '../status/contextKeys';

export function openDashboard(services: Services, runId?: string, iteration?: number): DashboardPanel {
  markWalkthroughStep('dashboard');
  return DashboardPanel.show(services, runsModel(services), runId ?? services.currentRunId, iteration);
}

export const dashboardFeature: Feature = {
  commands: {
    openDashboard: (services) => (arg?: unknown, iteration?: unknown) => {
      const runId = runIdArg(arg);
      if (runId) services.setCurrentRun(runId);
      openDashboard(services, runId, iterationArg(iteration) ?? iterationArg(arg));
    },
  },
  activate(services) {
    services.context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          DashboardPanel.revive(panel, services, runsModel(services), state as { runId?: string } | undefined);
        },
      }),
    );
  },
};
