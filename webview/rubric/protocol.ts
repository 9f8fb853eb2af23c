/** Messages between the Rubric Preview panel (webview/rubric) and its host (src/rubric/previewPanel.ts). */
import type { PreviewResult, PreviewSample } from '../../remote/protocol';

export type PreviewRole = 'draft' | 'baseline';

export type RubricHostMessage =
  /** the preview set (replaces everything shown) */
  | { type: 'set'; samples: PreviewSample[]; k: number; setLabel: string; rubricVersion?: number; runName?: string; baselineK?: number }
  /** a new run began: forget the previous run of this role */
  | { type: 'start'; role: PreviewRole; previewId: string; k: number }
  /** streamed results, batched by the host (never one message per score) */
  | { type: 'results'; role: PreviewRole; results: PreviewResult[] }
  | { type: 'done'; role: PreviewRole; previewId: string; cancelled: boolean; error?: string }
  | { type: 'status'; text: string; level: 'info' | 'error' }
  /** the draft's rubric problems (from the editor diagnostics); errors block "Use for Next Iteration" */
  | { type: 'lint'; problems: { severity: 'error' | 'warning'; message: string }[] };

export type RubricViewMessage =
  | { type: 'ready' }
  | { type: 'useRubric' }
  | { type: 'chooseSet' }
  /** judge again with more samples per answer (raises K for this preview) */
  | { type: 'moreSamples' };
