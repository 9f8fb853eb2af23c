/**
 * The one protocol module: every JSON-RPC request and notification between the extension and the agent, the run
 * event union, and the records of the run folder. Imported by `remote/` (which owns it), `src/` and `webview/`.
 *
 * It must stay dependency-free (types and string constants only) so the webview bundles stay small and the agent
 * bundle never pulls in `vscode`.
 */

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------------------------
// Run configuration (validated by remote/config/run-config.schema.json; defaults filled in by the validator)
// ---------------------------------------------------------------------------------------------------------------

export type ModelBackend = 'sim' | 'external' | 'vllm' | 'openai';
export type TrainerBackend = 'sim' | 'trl' | 'openai';
export type SeedFormat = 'auto' | 'oasst' | 'alpaca' | 'sharegpt' | 'chat' | 'prompts';

export interface SamplingParams {
  temperature: number;
  topP: number;
  maxTokens: number;
}

export interface RunConfig {
  /** Human name of the run; the run id is derived from it plus a timestamp. */
  name: string;
  /** Base seed: every request seed is derived from it, so a run is reproducible. */
  seed: number;
  model: {
    backend: ModelBackend;
    /** Model id (served name / hub id / path) of M1, the model the first iteration starts from. */
    name: string;
    /** OpenAI-compatible base URL(s) for `external`/`openai`; several URLs of one model share the load. */
    baseUrls?: string[];
    /** Name of the environment variable holding the API key (never the key itself). */
    apiKeyEnv?: string;
    /** Simulated model server options (backend `sim`). */
    sim?: SimServerOptions;
    /** Managed vLLM options (backend `vllm`). */
    vllm?: VllmOptions;
  };
  /** Where new prompts come from; defaults to the current model. */
  generator?: { baseUrls?: string[]; name?: string; apiKeyEnv?: string };
  seedData: SeedSource[];
  prompts: SamplingParams & {
    perIteration: number;
    /** few-shot examples per request */
    fewShot: number;
    /** how many of them are prompts generated earlier (Self-Instruct: 2 of 8); 0 = seed prompts only */
    fewShotGenerated?: number;
    /** character limits (not Self-Instruct's; off unless set) */
    minChars?: number;
    maxChars?: number;
    /** word limits, words split on whitespace (Self-Instruct: 4 to 150) */
    minWords?: number;
    maxWords?: number;
    /** whole words or phrases (case-insensitive) that drop a prompt (Self-Instruct's list by default) */
    blockedKeywords?: string[];
    /** case-insensitive openings that drop a prompt (Self-Instruct: "write a program") */
    blockedPrefixes?: string[];
    /** drop prompts whose first character is ASCII punctuation or not ASCII (Self-Instruct) */
    startFilter?: boolean;
    /** drop generations cut by maxTokens (finish reason `length`), as Self-Instruct does */
    dropTruncated?: boolean;
    /** ROUGE-L dedupe against the prompts kept in earlier iterations too */
    dedupeAcrossIterations?: boolean;
    /** ROUGE-L F threshold: a new prompt scoring above it against another counts as a near-duplicate (Self-Instruct: 0.7) */
    rougeThreshold: number;
    /** Give up after this many generation attempts per wanted prompt (keeps a bad generator from looping). */
    maxAttemptsFactor: number;
  };
  candidates: SamplingParams & { n: number };
  judge: SamplingParams & {
    k: number;
    /** Rubric file, relative to the config file or absolute; missing → the built-in default rubric. */
    rubricFile?: string;
    scoreMin: number;
    scoreMax: number;
  };
  pairs: {
    /** Meta-Rewarding length control ρ ∈ [0,1]; 0 = plain best vs worst. */
    rho: number;
    minScoredCandidates: number;
  };
  review: { gate: boolean };
  inference: {
    concurrency: number;
    maxRetries: number;
    requestTimeoutMs: number;
  };
  trainer: TrainerConfig;
}

export interface SeedSource {
  path: string;
  format: SeedFormat;
  /** Skip and count bad lines instead of failing on the first one. */
  tolerant?: boolean;
}

export interface SimServerOptions {
  maxConcurrency?: number;
  tokensPerSecond?: number;
  ttftMs?: number;
  zeroLatency?: boolean;
  /** Share of judgments that come out without a score. */
  malformedJudgmentRate?: number;
  faults?: SimFaultRates;
}

export interface SimFaultRates {
  rate429?: number;
  rate500?: number;
  rateHang?: number;
  rateCut?: number;
  rateMalformed?: number;
}

export interface VllmOptions {
  python?: string;
  command?: string[];
  tensorParallelSize?: number;
  extraArgs?: string[];
  lora?: 'none' | 'runtime' | 'restart';
  readyTimeoutSec?: number;
  /** `--served-model-name` of M1 (default: model.name). */
  servedName?: string;
  /** Fixed port; default: a free loopback port picked at start. */
  port?: number;
  /** `--max-lora-rank` when adapters are served (vLLM's default is 16). */
  maxLoraRank?: number;
  /** Seconds between SIGTERM and SIGKILL when the server is stopped. */
  stopGraceSec?: number;
}

/** How the trainer command is started on the GPU box or cluster. */
export type TrainerLauncher =
  | { kind: 'prefix'; prefix: string[] }
  | { kind: 'sbatch'; sbatchArgs?: string[]; pollSec?: number; sbatch?: string; squeue?: string; sacct?: string; scancel?: string };

export interface TrlOptions {
  /** 'trl' = the `trl dpo` console script; 'accelerate' = `accelerate launch [--config_file F] -m trl.scripts.dpo`. */
  launch?: 'trl' | 'accelerate';
  /** Python of the training venv: commands become `python -m …` (no console scripts needed on PATH). */
  python?: string;
  /** Replaces `trl dpo` (e.g. ["/venv/bin/trl", "dpo"]). */
  command?: string[];
  /** Replaces `accelerate launch`. */
  accelerateCommand?: string[];
  /** `--save_steps` (a checkpoint with trainer_state.json every N steps). */
  saveSteps?: number;
  gradientCheckpointing?: boolean;
  /** Seconds between SIGTERM and SIGKILL on stop. */
  stopGraceSec?: number;
}

export interface OpenAiTrainerOptions {
  /** Base model to fine-tune (default: the current model's name). */
  model?: string;
  /** Suffix of the fine-tuned model name. */
  suffix?: string;
  pollSec?: number;
  /** Give up waiting after this long (the job keeps running at OpenAI). */
  timeoutSec?: number;
}

export interface TrainerConfig {
  backend: TrainerBackend;
  beta: number;
  learningRate: number;
  lrScheduler: string;
  batchSize: number;
  gradientAccumulationSteps: number;
  epochs: number;
  maxLength?: number;
  rowFormat: 'standard' | 'conversational';
  lora?: { r: number; alpha: number };
  bf16?: boolean;
  accelerateConfig?: string;
  launcherPrefix?: string[];
  extraArgs?: string[];
  /** Cluster launcher; `launcherPrefix` is shorthand for {kind: 'prefix'}. */
  launcher?: TrainerLauncher;
  trl?: TrlOptions;
  openai?: OpenAiTrainerOptions;
}

// ---------------------------------------------------------------------------------------------------------------
// Records of the run folder (one JSON object per line in the iteration's JSONL files)
// ---------------------------------------------------------------------------------------------------------------

export type StageName = 'prompts' | 'candidates' | 'judgments' | 'pairs' | 'review' | 'training';
export const STAGES: readonly StageName[] = ['prompts', 'candidates', 'judgments', 'pairs', 'review', 'training'];

export type PromptDropReason = 'too_short' | 'too_long' | 'multi_instruction' | 'near_duplicate' | 'seed_duplicate' | 'echo' | 'empty' | 'failed' | 'truncated' | 'keyword' | 'bad_start' | 'earlier_duplicate';

/** prompts.jsonl: every generation attempt, kept or dropped (so counts add up with drop reasons). */
export interface PromptRecord {
  id: string;
  iteration: number;
  text: string;
  kept: boolean;
  dropReason?: PromptDropReason;
  /** ids of the few-shot examples: seed prompt ids, and prompt ids (`t<i>-p<n>`) of generated ones */
  fewShot: string[];
  /** the request seed, for provenance */
  seed: number;
  /** set when the request failed after every retry */
  error?: string;
}

/** candidates.jsonl: one line per answer (N per kept prompt). */
export interface CandidateRecord {
  id: string;
  promptId: string;
  iteration: number;
  index: number;
  text: string;
  chars: number;
  finishReason?: string;
  completionTokens?: number;
  error?: string;
}

/** judgments.jsonl: one line per judge sample (K per candidate). */
export interface JudgmentRecord {
  id: string;
  candidateId: string;
  promptId: string;
  iteration: number;
  sample: number;
  /** raw judge output */
  text: string;
  /** parsed, clamped score; null when unparseable or failed */
  score: number | null;
  parseOk: boolean;
  rubricHash: string;
  error?: string;
}

export interface PairSide {
  candidateId: string;
  text: string;
  /** mean of the valid judge samples */
  score: number;
  /** the K raw sample scores (null = parse failure) */
  scores: (number | null)[];
  chars: number;
}

/** pairs.jsonl: one line per kept pair. */
export interface PairRecord {
  id: string;
  promptId: string;
  iteration: number;
  prompt: string;
  chosen: PairSide;
  rejected: PairSide;
  margin: number;
}

export type PairDropReason = 'tie' | 'too_few_scored';

export type DecisionKind = 'accept' | 'reject' | 'flip' | 'edit' | 'note' | 'clear';

/** decisions.jsonl beside pairs.jsonl: the review, as an append-only log (last decision per pair wins). */
export interface PairDecision {
  pairId: string;
  kind: DecisionKind;
  /** for `edit`: replacement texts */
  chosenText?: string;
  rejectedText?: string;
  note?: string;
  ts: string;
  /** unique id given by the client, so a decision re-sent after a lost reply is applied once */
  id?: string;
}

export interface StageManifest {
  status: 'pending' | 'running' | 'done' | 'failed' | 'stopped' | 'waiting';
  counts: Record<string, number>;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  params?: Record<string, unknown>;
}

/** iterations/<t>/manifest.json (written atomically). */
export interface IterationManifest {
  iteration: number;
  modelIn: string;
  modelOut?: string;
  rubric: { version: number; hash: string; text: string };
  seed: number;
  params: Pick<RunConfig, 'prompts' | 'candidates' | 'judge' | 'pairs' | 'review' | 'trainer'>;
  stages: Partial<Record<StageName, StageManifest>>;
  status: 'running' | 'done' | 'failed' | 'stopped' | 'waiting';
  startedAt: string;
  finishedAt?: string;
}

/** iterations/<t>/metrics.json: the numbers of the iteration table. */
export interface IterationSummary {
  iteration: number;
  promptsKept: number;
  promptsDropped: Record<string, number>;
  candidates: number;
  judgments: number;
  parseFailures: number;
  parseFailureRate: number;
  ties: number;
  pairs: number;
  pairsDropped: Record<string, number>;
  meanChosenScore: number | null;
  meanRejectedScore: number | null;
  meanCandidateChars: number | null;
  trainLoss?: number | null;
  trainRewardMargin?: number | null;
  modelOut?: string;
  failedItems: number;
}

export interface TrainMetrics {
  step: number;
  totalSteps?: number;
  epoch?: number;
  loss?: number;
  learningRate?: number;
  rewardsChosen?: number;
  rewardsRejected?: number;
  rewardsMargins?: number;
  rewardsAccuracies?: number;
  etaSec?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Run events: events.jsonl and the live stream. `seq` increases run-wide, across agent restarts.
// ---------------------------------------------------------------------------------------------------------------

interface EventBase {
  seq: number;
  /** ISO time */
  ts: string;
}

export type RunEventBody =
  | { type: 'run.created'; runId: string; name: string }
  | { type: 'iteration.started'; iteration: number; modelIn: string; rubricVersion: number }
  | { type: 'iteration.finished'; iteration: number; summary: IterationSummary }
  | { type: 'iteration.failed'; iteration: number; error: string; stage?: StageName }
  | { type: 'iteration.stopped'; iteration: number; stage?: StageName }
  | { type: 'stage.started'; iteration: number; stage: StageName; total: number }
  | { type: 'stage.progress'; iteration: number; stage: StageName; done: number; total: number; failed: number; ratePerSec: number; etaSec: number | null }
  | { type: 'stage.finished'; iteration: number; stage: StageName; counts: Record<string, number>; durationMs: number }
  | { type: 'prompt'; record: PromptRecord }
  | { type: 'candidate'; record: CandidateRecord }
  | { type: 'judgment'; record: JudgmentRecord }
  | { type: 'pair'; record: PairRecord }
  | { type: 'review.waiting'; iteration: number; pairs: number }
  | { type: 'review.decision'; iteration: number; decision: PairDecision }
  | { type: 'review.completed'; iteration: number; accepted: number; rejected: number }
  | { type: 'train.metrics'; iteration: number; metrics: TrainMetrics }
  | { type: 'model.registered'; iteration: number; model: ModelEntry }
  | { type: 'rubric.version'; version: number; hash: string }
  | { type: 'error'; message: string; iteration?: number; stage?: StageName; itemId?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export type RunEvent = EventBase & RunEventBody;
export type RunEventType = RunEventBody['type'];

/** models.json: the model registry of a run (iteration t's model is the output of iteration t−1). */
export interface ModelEntry {
  /** the iteration this model runs (M_t runs iteration t; M0 is the base model an SFT iteration 0 starts from) */
  iteration: number;
  /** 'policy' (default): the model iteration `iteration` runs with; 'sft-baseline': the IFT-only SFT model of the
   * paper, kept for comparisons. models.json holds one entry per (iteration, role). */
  role?: 'policy' | 'sft-baseline';
  /** display name (remote/modelNames.ts modelLabel: M0, M1, … or "SFT baseline" when unset) */
  label?: string;
  /** id/path as the inference server knows it */
  name: string;
  servedName?: string;
  path?: string;
  /** the trainer that made it: DPO (`sim-train`, `trl`, `openai`) or SFT (`sim-sft`, `trl-sft`, `openai-sft`) */
  madeBy: 'base' | 'sim-train' | 'trl' | 'openai' | 'sim-sft' | 'trl-sft' | 'openai-sft';
  /** set for LoRA adapters: the base model (path / hub id) the adapter at `path` applies to */
  adapterBase?: string;
  /** OpenAI fine-tuning job id, for provenance */
  jobId?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots and summaries returned by requests
// ---------------------------------------------------------------------------------------------------------------

export interface RunSummary {
  id: string;
  name: string;
  dir: string;
  createdAt: string;
  iterations: number;
  status: 'idle' | 'running' | 'waiting' | 'failed';
  lastSeq: number;
}

export interface StageState {
  stage: StageName;
  status: StageManifest['status'];
  done: number;
  total: number;
  failed: number;
  ratePerSec: number;
  etaSec: number | null;
}

export interface IterationState {
  iteration: number;
  status: IterationManifest['status'];
  modelIn: string;
  modelOut?: string;
  rubricVersion: number;
  stages: StageState[];
  summary?: IterationSummary;
  train: TrainMetrics[];
}

/** Everything a panel needs to draw the run without replaying the whole event log. */
export interface RunSnapshot {
  run: RunSummary;
  config: RunConfig;
  iterations: IterationState[];
  models: ModelEntry[];
  rubricVersions: { version: number; hash: string }[];
  /** the seq the snapshot is consistent with: stream events with seq > this */
  seq: number;
}

/** A pair's folded review state (remote/review/decisions.ts PairReview without `last`). */
export interface PairReviewView {
  state: 'unreviewed' | 'accepted' | 'rejected' | 'flipped' | 'edited';
  flipped: boolean;
  chosenText?: string;
  rejectedText?: string;
  note?: string;
}

export interface PairView extends PairRecord {
  decision?: PairDecision;
  /** the review state after every decision so far */
  review?: PairReviewView;
  /** 0-based record number in pairs.jsonl */
  index?: number;
  /** fraction of this pair's judge samples that failed to parse */
  parseFailures: number;
}

export interface PairFilter {
  unreviewedOnly?: boolean;
  minMargin?: number;
  maxMargin?: number;
  minLengthRatio?: number;
  maxLengthRatio?: number;
  withParseFailures?: boolean;
  text?: string;
  /**
   * For `unreviewedOnly`: pairs whose reviewed-ness the client knows better than the agent (decisions not yet saved
   * or still queued for the link). Listed ids count as reviewed / unreviewed whatever the decisions file says.
   */
  reviewOverrides?: { reviewed?: string[]; unreviewed?: string[] };
}

export interface PreviewSample {
  id: string;
  prompt: string;
  answer: string;
  /** score under the rubric in use, when known */
  baselineScore?: number | null;
  /** human rank within its prompt group (1 = best), for labelled sets */
  humanRank?: number;
  group?: string;
}

export interface PreviewResult {
  previewId: string;
  sampleId: string;
  sample: number;
  score: number | null;
  parseOk: boolean;
  text: string;
}

/** Judge agreement with human rankings on a labelled set (remote/eval/metrics.ts; fractions 0–1, not %). */
export interface JudgeAgreement {
  /** groups with at least two scored answers */
  groups: number;
  answers: number;
  unscored: number;
  /** pairs people ranked differently (the pairwise-accuracy denominator) */
  pairs: number;
  pairwiseAccuracy: number | null;
  /** answers with a perfect judge score, and the share of them people ranked first */
  perfectScored: number;
  fiveBest: number | null;
  topRatedIsBest: number | null;
  exactMatch: number | null;
  spearman: number | null;
  kendallTau: number | null;
  undefinedCorrelations: number;
}

/** Head-to-head of two models, both orders per prompt, disagreement = tie (remote/eval/headToHead.ts). */
export interface HeadToHeadSummary {
  n: number;
  wins: number;
  ties: number;
  losses: number;
  winRate: number | null;
  lossRate: number | null;
  /** 95 % Wilson intervals */
  winRateCi: [number, number] | null;
  lossRateCi: [number, number] | null;
  /** comparisons where the two orders disagreed (a subset of ties) */
  orderDisagreements: number;
  /** comparisons with an unreadable verdict in at least one order (a subset of ties) */
  unreadable: number;
}

/** An external OpenAI-compatible judge for head-to-head comparisons; the key stays in the agent's environment. */
export interface ExternalJudge {
  baseUrls: string[];
  model: string;
  apiKeyEnv?: string;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** the exact command that fixes it */
  fix?: string;
  /** false for checks that only inform (a problem there does not fail preflight); default true */
  required?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON-RPC: requests (client → agent) and notifications (agent → client)
// ---------------------------------------------------------------------------------------------------------------

export interface Requests {
  /** First call on every connection; every other request is refused until the token matches. */
  'agent/hello': {
    params: { token: string; client: string; protocolVersion: number };
    result: { agentVersion: string; protocolVersion: number; pid: number; bundleHash: string; runsDir: string };
  };
  'agent/shutdown': { params: Record<string, never>; result: { ok: true } };
  'agent/logTail': { params: { lines: number }; result: { lines: string[] } };

  'runs/list': { params: Record<string, never>; result: { runs: RunSummary[] } };
  'runs/create': {
    params: { config: unknown; rubricText?: string };
    result: { run: RunSummary };
  };
  'runs/snapshot': { params: { runId: string }; result: RunSnapshot };

  'iteration/start': {
    params: { runId: string; overrides?: DeepPartial<RunConfig> };
    result: { iteration: number };
  };
  'iteration/stop': { params: { runId: string }; result: { stopped: boolean } };

  /**
   * Snapshot (state as of seq S) plus the events in (afterSeq, S] (paged by `limit`; `more` → continue with
   * events/read up to S); then live `events/push` with every event after S, in order, until unsubscribed. An
   * afterSeq at or past S asks for no backlog. Subscribing again on the same connection keeps the stream going, so a
   * push may carry events at or below the newer snapshot's seq: skip those (the reducer does).
   */
  'events/subscribe': {
    params: { runId: string; afterSeq: number; limit?: number };
    result: { snapshot: RunSnapshot; events: RunEvent[]; more: boolean };
  };
  'events/read': {
    params: { runId: string; afterSeq: number; limit: number };
    result: { events: RunEvent[]; lastSeq: number; more: boolean };
  };
  'events/unsubscribe': { params: { runId: string }; result: { ok: true } };

  'preview/judge': {
    /** `slot`: a newer preview supersedes the older one of the same connection AND slot (default ''), so a
     * client can keep a draft and a baseline preview running side by side. */
    params: { previewId: string; runId?: string; rubric: string; samples: PreviewSample[]; k: number; slot?: string };
    result: { previewId: string; accepted: number };
  };
  'preview/cancel': { params: { previewId: string }; result: { cancelled: boolean } };

  'pairs/read': {
    params: { runId: string; iteration: number; offset: number; limit: number; filter?: PairFilter };
    result: { pairs: PairView[]; total: number; matched: number; reviewed: number };
  };
  'pairs/decide': {
    params: { runId: string; iteration: number; decisions: PairDecision[] };
    result: { applied: number };
  };
  /** Ids and review states of every pair matching `filter` (for bulk actions on the filtered set). */
  'pairs/ids': {
    params: { runId: string; iteration: number; filter?: PairFilter };
    result: { pairs: { id: string; review: PairReviewView }[] };
  };
  /** The judge samples (with their justifications) of the given candidates, from judgments.jsonl. */
  'pairs/judgments': {
    params: { runId: string; iteration: number; candidateIds: string[] };
    result: { judgments: JudgmentRecord[] };
  };
  /** Whether the run's review gate is on for the iteration and whether its review is complete. */
  'review/state': { params: { runId: string; iteration: number }; result: { gate: boolean; complete: boolean } };
  'review/complete': { params: { runId: string; iteration: number }; result: { accepted: number; rejected: number } };

  'rubric/get': { params: { runId: string; version?: number }; result: { version: number; hash: string; text: string } };
  'rubric/set': { params: { runId: string; text: string }; result: { version: number; hash: string } };

  'files/list': { params: { runId: string; iteration?: number }; result: { files: { path: string; size: number }[] } };
  'files/read': { params: { runId: string; path: string; offset: number; length: number }; result: { data: string; size: number; eof: boolean } };

  'preflight/run': { params: { config?: unknown }; result: { checks: PreflightCheck[]; ok: boolean } };

  /** Hand an API key to the agent, held in memory only (never written); looked up by its env-variable name. */
  'secrets/set': { params: { name: string; value: string }; result: { ok: true } };
  /** Judge a labelled set with model M_`model` (default: the latest) and a rubric version; writes eval/judge-m<t>.json. */
  'eval/judge': {
    params: { runId: string; model?: number; labelled?: SeedSource; k?: number; rubricVersion?: number; maxGroups?: number };
    result: { model: number; rubricVersion: number; agreement: JudgeAgreement; file: string };
  };
  /** M_`modelNew` vs M_`modelOld` (default modelNew − 1) on held-out prompts; writes eval/h2h-m<new>-vs-m<old>.json(l). */
  'eval/compare': {
    params: { runId: string; modelNew: number; modelOld?: number; prompts?: SeedSource; maxPrompts?: number; judge: ExternalJudge };
    /** skipped: prompts left out because a model failed to answer them */
    result: { summary: HeadToHeadSummary; file: string; skipped: number };
  };
  /** Write iterations/<t>/report.md + report.json + charts; returns the written paths (relative to the run folder). */
  'report/write': { params: { runId: string; iteration: number }; result: { files: string[]; warnings: string[] } };
}

export interface Notifications {
  'events/push': { runId: string; events: RunEvent[] };
  'preview/result': PreviewResult;
  'preview/done': { previewId: string; cancelled: boolean; error?: string };
  'agent/log': { level: 'info' | 'warn' | 'error'; message: string };
  'eval/progress': { runId: string; kind: 'judge' | 'compare'; done: number; total: number };
}

export type RequestMethod = keyof Requests;
export type NotificationMethod = keyof Notifications;
export type RequestParams<M extends RequestMethod> = Requests[M]['params'];
export type RequestResult<M extends RequestMethod> = Requests[M]['result'];

/** JSON-RPC error codes the agent uses (application range). */
export const RpcErrors = {
  Unauthorized: -32001,
  RunNotFound: -32002,
  RunBusy: -32003,
  InvalidConfig: -32004,
  Locked: -32005,
  NotFound: -32006,
} as const;

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
