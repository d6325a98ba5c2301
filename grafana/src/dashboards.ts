/**
 * The generated dashboards: file name → builder. `npm run grafana:build` writes each to
 * grafana/dashboards/<file>, and dashboards.spec.ts fails when a committed file differs.
 */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { doraOverviewDashboard } from './dora-overview.js';
import { releaseHealthDashboard } from './release-health.js';
import { shipwatchDashboard } from './shipwatch.js';

export interface GeneratedDashboard {
  readonly file: string;
  readonly build: () => DashboardBuilder;
}

export const DASHBOARDS: readonly GeneratedDashboard[] = [
  { file: 'dora-overview.json', build: doraOverviewDashboard },
  { file: 'release-health.json', build: releaseHealthDashboard },
  { file: 'shipwatch.json', build: shipwatchDashboard },
];

interface PanelJson {
  id?: number;
  panels?: PanelJson[];
  targets?: { refId?: string }[];
}

/**
 * The dashboard as committed JSON: panels numbered in order and queries lettered A, B, ... (stable
 * ids for links and for the tests' messages), two-space indentation and a final newline.
 */
export function renderDashboard(dashboard: GeneratedDashboard): string {
  const json = JSON.parse(JSON.stringify(dashboard.build().build())) as { panels?: PanelJson[] };
  let next = 1;
  const number = (panels: PanelJson[] = []): void => {
    for (const panel of panels) {
      panel.id = next++;
      panel.targets?.forEach((target, i) => (target.refId = String.fromCharCode(65 + i)));
      number(panel.panels);
    }
  };
  number(json.panels);
  return `${JSON.stringify(json, null, 2)}\n`;
}
