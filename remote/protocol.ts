/**
 * The one protocol module: every JSON-RPC request and notification between the extension and the agent, the run
 * event union, and the records of the run folder. Imported by `remote/` (which owns it), `src/` and `webview/`.
 *
 * It must stay dependency-free (types and string constants only) so the webview bundles stay small and the agent
 * bundle never pulls in `vscode`.
 */

export const PROTOCOL_VERSION = 1;

/** Events a client asks for per `events/read` when it catches up on a run's history (the agent allows up to 10,000):
 * large enough that a 100k-event history is a few dozen round trips. */
export const EVENTS_READ_PAGE = 5000;

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
    /**
     * At ρ = 0, which of several equally scored best (worst) candidates is chosen (rejected): `random` (seeded by
     * run seed, iteration and prompt; favours no length), `shortest` (chosen the shortest, rejected the longest, the
     * length-control rule), `longest` (the reverse). Absent in runs made before it existed: `shortest`.
     */
    tieBreak?: PairTieBreak;
    /** Leave candidates cut by max_tokens (finish reason `length`) out of pairs. Absent in older runs: false. */
    excludeTruncated?: boolean;
  };
  review: { gate: boolean };
  inference: {
    concurrency: number;
    maxRetries: number;
    requestTimeoutMs: number;
  };
  /** Share of a stage's items that may fail for good (after every retry) before the iteration stops `failed`. */
  failureBudget: { prompts: number; candidates: number; judgments: number };
  trainer: TrainerConfig;
  /** Meta-Rewarding (Wu et al. 2024): the model judges its own judgments; off by default (Self-Rewarding as the paper). */
  metaJudge?: MetaJudgeConfig;
  /** Iteration 0, the paper's first step: SFT of the base model M0 into M1 on IFT + EFT seed data. */
  sft?: SftConfig;
  /** Evaluations (remote/eval): after every iteration, checkpoint selection, defaults of the eval commands. */
  eval?: EvalConfig;
}

/**
 * The meta-judge stage (remote/pipeline/metaJudge.ts) and the judge pairs it makes. Off by default, so a run is the
 * Self-Rewarding paper's unless asked. Absent in runs made before it existed: off.
 */
export interface MetaJudgeConfig {
  enabled: boolean;
  /** Template file with {{rubric}}, {{instruction}}, {{response}}, {{judgment_a}}, {{judgment_b}}; default: the
   * built-in one (remote/rubric/defaultMetaJudge.ts). Stored in the run as meta-judge template versions. */
  templateFile?: string;
  /** Candidates per prompt whose judgments go to the meta-judge: those whose K judge scores vary the most (the
   * paper: 1, the one the judge is least sure of). Candidates whose judgments all agree never go. */
  candidatesPerPrompt: number;
  /** Verdicts asked per order (each pair of judgments is asked in both orders, A/B and B/A). */
  samplesPerOrder: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Most judge pairs as a share of all training rows (actor + judge); extra judge pairs (smallest Elo gap first)
   * are left out of training. 0 = judge pairs are made and reviewed but never trained on. */
  maxJudgeShare: number;
  /** A chosen judgment longer than this (words) breaks the rubric's own length limit: the pair is dropped. */
  maxJudgmentWords: number;
  /** Drop a pair whose chosen judgment is more than this many times longer than the rejected one (the meta-judge
   * favours longer judgments); 0 = no ratio limit. */
  maxLengthRatio: number;
  /** Most judge pairs whose chosen judgment gives one score, as a share of the iteration's judge pairs (the
   * meta-judge drifts towards high scores); 1 = no cap. */
  maxChosenScoreShare: number;
}

export type PairTieBreak = 'random' | 'shortest' | 'longest';

/**
 * The SFT iteration (iteration 0). With `enabled`, `model.name` is the base model M0 and the run starts with
 * iteration 0 (IFT data → SFT baseline; EFT data judged by it → M1 = SFT on IFT + EFT); without, `model.name` is an
 * existing M1 and the run starts with iteration 1. The training fields have the trainer's names and become the
 * TrainerConfig of the `sft` train requests.
 */
export interface SftConfig {
  enabled: boolean;
  learningRate: number;
  /** the learning rate decays (linearly) to this */
  minLearningRate: number;
  /** the GLOBAL batch, as trainer.batchSize (the paper: 16) */
  batchSize: number;
  /** pin the per-device batch or the accumulation for SFT (as the trainer's fields; default: the trainer's pins) */
  perDeviceBatchSize?: number;
  gradientAccumulationSteps?: number;
  dropout: number;
  epochs: number;
  /** TRL prompt-completion rows: conversational (the chat template applies; loss on the completion) or standard */
  rowFormat: 'standard' | 'conversational';
  /** language kept for seed records that carry one (Open Assistant's `lang`); "" keeps every language */
  language: string;
  ift: {
    /** at most this many IFT examples (the paper: 3,200) */
    maxExamples: number;
  };
  eft: {
    /** share of the EFT groups held out as the eval split (the paper: 541 of 2,171 samples ≈ 0.25) */
    evalFraction: number;
    /** at most this many ranked groups for EFT (train + eval); absent = every group IFT left */
    maxGroups?: number;
    /** cap the most frequent score's samples at the count of the second most frequent (the paper: score 4) */
    downsampleModal: boolean;
  };
}

/** Who judges an evaluation: the run's current model (self-judging, as in the loop) or an external judge. */
export type EvalJudgeSpec = { kind: 'self' } | { kind: 'external'; baseUrls: string[]; model: string; apiKeyEnv?: string };

export type EvalKind = 'winRate' | 'multiTurn' | 'judge' | 'headToHead';

export interface EvalConfig {
  /** run `evals` on every model the iteration made (and on models not evaluated yet) before it counts as done */
  afterIteration: boolean;
  evals: EvalKind[];
  judge: EvalJudgeSpec;
  /** AlpacaEval-format reference set; optional AlpacaEval side files for the length-controlled GLM */
  winRate: { prompts: string; maxPrompts?: number; instructionDifficulty?: string; gamedAnnotations?: string };
  /** MT-Bench-format question file (two turns per question) */
  multiTurn: { questions: string; maxQuestions?: number };
  /** labelled set (ranked answers) for judge agreement with people */
  judgeAgreement: { labelled: string; maxGroups?: number; k?: number };
  /** held-out prompts for M_{t+1} vs M_t (and vs the SFT baseline when registered) */
  headToHead: { prompts: string; maxPrompts: number };
  /** pick M_{t+1} among the trainer's checkpoints by comparing each with M_t (the paper), or take the last */
  checkpointSelection: { mode: 'compare' | 'last'; prompts: string; maxPrompts: number };
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
  /** `--data-parallel-size`: one server, N engine copies, requests balanced by vLLM itself. */
  dataParallelSize?: number;
  /** Several servers, each on its own GPUs (CUDA_VISIBLE_DEVICES) and port; requests spread over them. */
  replicas?: number;
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
  /** 'trl' = the `trl dpo|sft` console script; 'accelerate' = `accelerate launch [--config_file F] -m trl.scripts.dpo|sft`. */
  launch?: 'trl' | 'accelerate';
  /** Python of the training venv: commands become `python -m …` (no console scripts needed on PATH); also runs the
   * LoRA merge step. */
  python?: string;
  /** Replaces the `trl` console script (the subcommand dpo|sft is appended), e.g. ["/venv/bin/trl"]. */
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
  /** The floor the schedule decays to (paper: DPO 1e-6 → 1e-7); 0 = decay to zero. */
  minLearningRate: number;
  /** The GLOBAL batch: processes × per-device batch × gradient accumulation (paper: 16). */
  batchSize: number;
  /** Pins the per-device batch (accumulation is derived); default: at most 2 per device. */
  perDeviceBatchSize?: number;
  /** Pins gradient accumulation (per-device batch is derived). */
  gradientAccumulationSteps?: number;
  /** Training processes (GPUs); default: the accelerate config's num_processes, else the visible GPUs. */
  processes?: number;
  /** Dropout while training (paper: 0.1); 0 = none. */
  dropout: number;
  epochs: number;
  maxLength?: number;
  /** Training refuses to run on fewer pairs than this (absent in manifests written before it existed). */
  minPairs?: number;
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

export type StageName = 'prompts' | 'candidates' | 'judgments' | 'pairs' | 'review' | 'training' | 'meta-judge' | SftStageName | EvalStageName;
export const STAGES: readonly StageName[] = ['prompts', 'candidates', 'judgments', 'pairs', 'review', 'training'];
/** Where each stage is shown, for stages an iteration runs only when asked (meta-judge: after judgments). */
export const STAGE_ORDER: readonly StageName[] = ['prompts', 'candidates', 'judgments', 'meta-judge', 'pairs', 'review', 'training', 'selection', 'evaluation'];

/** The stages of iteration 0 (SFT): IFT data, the SFT baseline, EFT data judged by it, M1, judge agreement. */
export type SftStageName = 'ift' | 'sft-baseline' | 'eft' | 'sft' | 'agreement';
export const SFT_STAGES: readonly SftStageName[] = ['ift', 'sft-baseline', 'eft', 'sft', 'agreement'];

/**
 * The stages iteration t runs (iteration 0 is the SFT iteration). With its parameters: only those it will run — the
 * review only behind the gate, the meta-judge only when enabled — so no view shows a stage as "not started" that
 * never will be. Stages added after training (selection, evaluation) appear when they start.
 */
export function stagesOf(t: number, params?: Pick<IterationManifest['params'], 'review' | 'metaJudge'>): readonly StageName[] {
  if (t === 0) return SFT_STAGES;
  if (!params) return STAGES;
  const runs = (s: StageName): boolean => (s === 'review' ? params.review.gate : s === 'meta-judge' ? !!params.metaJudge?.enabled : STAGES.includes(s));
  return STAGE_ORDER.filter(runs);
}

/** Stages added after training when configured (eval.checkpointSelection, eval.afterIteration); they appear in a
 * snapshot when they start. */
export type EvalStageName = 'selection' | 'evaluation';

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
  /** set when the answer was cut by max_tokens (finish reason `length`) */
  truncated?: true;
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
  /** parsed score; null when unparseable, out of range or failed */
  score: number | null;
  parseOk: boolean;
  /** the score the judge wrote when it lies outside [scoreMin, scoreMax]: not a parse failure, not clamped, not used */
  outOfRange?: number;
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

export type PairDropReason = 'tie' | 'too_few_scored' | 'truncated';

/** meta-judgments.jsonl: one meta-judge verdict on two judgments of one candidate, in one order. */
export interface MetaJudgmentRecord {
  /** `${candidateId}-m<a>v<b>-<order><sample>`: a < b are the judge sample numbers; order ab puts a first */
  id: string;
  candidateId: string;
  promptId: string;
  iteration: number;
  /** the judgment ids in position A (first) and position B (second) */
  first: string;
  second: string;
  order: 'ab' | 'ba';
  sample: number;
  /** raw meta-judge output */
  text: string;
  /** the judgment id the verdict picked; null when unreadable or failed */
  winner: string | null;
  parseOk: boolean;
  templateHash: string;
  error?: string;
}

/** One judgment's standing after the meta-judge's battles: weighted wins, and its Elo rating. */
export interface JudgmentStanding {
  judgmentId: string;
  score: number;
  words: number;
  elo: number;
  wins: number;
  losses: number;
}

/**
 * judge-pairs.jsonl: one line per judge preference pair. A PairRecord, so the pairs editor, exports and the
 * training rows treat it as any pair: `prompt` is the judge prompt exactly as the judge saw it (the rubric filled
 * with the instruction and the candidate), `chosen` / `rejected` are the better and worse judgment (candidateId =
 * the judgment id, score = that judgment's score), `margin` is the Elo gap between them.
 */
export interface JudgePairRecord extends PairRecord {
  kind: 'judge';
  /** the candidate whose judgments these are, and what it answered */
  candidateId: string;
  instruction: string;
  response: string;
  /** every judgment that took part, best first */
  standings: JudgmentStanding[];
  /** the meta-judge's words on a verdict that picked the chosen judgment over the rejected one (the reason) */
  reason: string;
  /** the chosen judgment won against the rejected one in: both orders, one order, or neither (ranked above it by
   * the rest of the battles) */
  headToHead: 'both' | 'one' | 'none';
  templateHash: string;
}

export type JudgePairDropReason = 'unreadable' | 'tie' | 'same_score' | 'too_long' | 'length_ratio' | 'score_share';

/** Which pairs a review request is about: the actor's preference pairs (pairs.jsonl) or the judge pairs
 * (judge-pairs.jsonl, with judge-pairs.decisions.jsonl beside them). Absent = actor. */
export type PairKind = 'actor' | 'judge';

/** Which template a rubric request is about: the judge rubric (rubrics/v<k>.md) or the meta-judge template
 * (rubrics/meta-judge-v<k>.md). Absent = rubric. */
export type TemplateKind = 'rubric' | 'meta-judge';

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
  params: Pick<RunConfig, 'prompts' | 'candidates' | 'judge' | 'pairs' | 'review' | 'trainer'> & Partial<Pick<RunConfig, 'sft' | 'metaJudge'>>;
  /** the meta-judge template in use, frozen when the iteration started (set when metaJudge is on) */
  metaTemplate?: { version: number; hash: string; text: string };
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
  /** the model this iteration trained, by its name (modelLabel: M2, …); its path / id is modelOutPath */
  modelOut?: string;
  modelOutPath?: string;
  /** the model this iteration ran (M1, …) and its path / id */
  modelIn?: string;
  modelInPath?: string;
  /** distinct candidates with judge samples (judgments = K × this) */
  candidatesJudged?: number;
  /** lines of train/train.jsonl, and the pairs the review left out (remote/counts.ts) */
  trainedPairs?: number;
  excludedPairs?: number;
  failedItems: number;
  /** meta-judge iterations only: judge pairs made, and why the others were dropped */
  judgePairs?: number;
  judgePairsDropped?: Record<string, number>;
  /** judge pairs that trained (within metaJudge.maxJudgeShare and the review) */
  judgeRows?: number;
  /** meta-judge verdicts, unreadable ones, and the share of readable ones that picked the first position */
  metaVerdicts?: number;
  metaUnreadable?: number;
  metaFirstPositionRate?: number | null;
  /** chosen judgment's score → judge pairs (the meta-judge's drift towards high scores shows here) */
  judgeChosenScores?: Record<string, number>;
  /** judge samples whose score lay outside the rubric's range (counted apart from parse failures) */
  outOfRangeScores?: number;
  /** candidates cut by max_tokens (finish reason `length`) */
  truncatedCandidates?: number;
  /** iteration 0 only: the SFT iteration's numbers */
  sft?: SftSummary;
}

// ---------------------------------------------------------------------------------------------------------------
// Iteration 0 (SFT): records of iterations/0/ and its summary
// ---------------------------------------------------------------------------------------------------------------

export type IftDropReason = 'no_answer' | 'language' | 'duplicate' | 'over_limit';

/** iterations/0/ift.jsonl: every seed prompt considered for IFT, kept or with a drop reason. */
export interface IftRecord {
  id: string;
  /** the seed record's id (file:line or builtin id) */
  source: string;
  prompt: string;
  /** the best-ranked human answer (empty when there is none) */
  completion: string;
  kept: boolean;
  dropReason?: IftDropReason;
  lang?: string;
}

/** iterations/0/groups.jsonl: the ranked groups EFT uses, with the split each belongs to. */
export interface EftGroupRecord {
  /** the group id (its seed record) */
  id: string;
  split: 'train' | 'eval';
  prompt: string;
  /** rank 1 = best */
  answers: { text: string; rank: number }[];
}

/**
 * One judge sample of a model on one answer of an EFT group: iterations/0/baseline-judgments.jsonl (the SFT
 * baseline on the train split, one sample each: the EFT targets) and agreement.jsonl (K samples per answer of the
 * eval split per model: the judge-agreement measurement).
 */
export interface GroupJudgmentRecord {
  id: string;
  /** modelLabel of the judge (SFT baseline, M1, …) */
  model: string;
  group: string;
  split: 'train' | 'eval';
  /** index of the answer in its group */
  answer: number;
  humanRank: number;
  sample: number;
  text: string;
  score: number | null;
  parseOk: boolean;
  outOfRange?: number;
  error?: string;
}

/** iterations/0/eft-train.jsonl and eft-eval.jsonl: EFT rows, the filled rubric → the baseline's verdict. */
export interface EftRow {
  id: string;
  group: string;
  split: 'train' | 'eval';
  answer: number;
  humanRank: number;
  /** the rubric filled with the group's instruction and this answer */
  prompt: string;
  /** the baseline's justification ending in `Score: x` */
  completion: string;
  score: number;
}

export interface SftSummary {
  ift: { examples: number; dropped: Record<string, number> };
  eft: {
    trainGroups: number;
    evalGroups: number;
    /** baseline verdicts: one per answer of the train split, K per answer of the eval split */
    judged: number;
    parseFailures: number;
    outOfRange: number;
    /** groups whose scored answers the baseline ordered as people did */
    agreeingGroups: number;
    trainRows: number;
    evalRows: number;
    /** per split: score → samples that agreed with people, before and after the modal score was down-sampled */
    scores: Record<'train' | 'eval', { before: Record<string, number>; after: Record<string, number> }>;
  };
  /** the two trainings: the SFT baseline (IFT only) and M1 (IFT + EFT) */
  baseline: { model: string; rows: number; trainLoss: number | null };
  policy: { model: string; rows: number; trainLoss: number | null };
  /** judge agreement with people on every answer of the EFT eval split (the paper's Table 4), per model */
  agreement: { label: string; model: string; agreement: JudgeAgreement }[];
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
  | { type: 'run.renamed'; name: string }
  | { type: 'iteration.started'; iteration: number; modelIn: string; rubricVersion: number; /** the stages it will run (stagesOf with its parameters); absent in logs written before */ stages?: StageName[] }
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
  | { type: 'judge-pair'; record: JudgePairRecord }
  | { type: 'review.waiting'; iteration: number; pairs: number }
  | { type: 'review.decision'; iteration: number; decision: PairDecision; kind?: PairKind }
  | { type: 'review.completed'; iteration: number; accepted: number; rejected: number }
  | { type: 'train.metrics'; iteration: number; metrics: TrainMetrics; stage?: StageName }
  | { type: 'model.registered'; iteration: number; model: ModelEntry }
  | { type: 'rubric.version'; version: number; hash: string; kind?: TemplateKind }
  | { type: 'eval.finished'; result: EvalResultRef }
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
  /** a LoRA-trained model merged into full weights (peft merge_and_unload) so the next iteration trains from it:
   * the adapter it was trained as, the weights it was merged into, and how (`merged`) */
  lora?: { adapter: string; base: string; chain: 'merged' };
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
  /** the stage's finished counts (stage.finished / the manifest), shown by remote/counts.ts stageCountText */
  counts?: Record<string, number>;
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
  /** the stage whose training `train` shows, when the iteration trains more than one model (iteration 0) */
  trainStage?: StageName;
}

/** Everything a panel needs to draw the run without replaying the whole event log. */
export interface RunSnapshot {
  run: RunSummary;
  config: RunConfig;
  iterations: IterationState[];
  models: ModelEntry[];
  rubricVersions: { version: number; hash: string }[];
  /** the meta-judge template's stored versions (absent or empty until one is stored) */
  metaTemplateVersions?: { version: number; hash: string }[];
  /** the latest evaluation of each (kind, model, other side): the Evaluation section's rows and trends */
  evals?: EvalResultRef[];
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
  /** for a meta-judge preview: two judgments of `answer` to compare (A = the first) */
  judgments?: [string, string];
}

export interface PreviewResult {
  previewId: string;
  sampleId: string;
  sample: number;
  score: number | null;
  parseOk: boolean;
  text: string;
  /** meta-judge previews: the order asked (ab = the sample's first judgment in position A) and the judgment the
   * verdict picked (0 = the sample's first judgment, 1 = its second; null = unreadable). `score` is null. */
  order?: 'ab' | 'ba';
  winner?: 0 | 1 | null;
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
  /** per group, averaged over the groups where defined (`correlationGroups` of them) */
  spearman: number | null;
  kendallTau: number | null;
  /** groups where ρ or τ is undefined (a side constant): skipped in the averages above */
  undefinedCorrelations: number;
  /** groups the per-group averages are over */
  correlationGroups?: number;
  /** pooled: Spearman over every scored answer with within-group ranks; Kendall τ-b over every within-group pair */
  spearmanPooled?: number | null;
  kendallTauPooled?: number | null;
  /** set when this is the mean of several measurements (remote/pipeline/agreement.ts): how many, and the spread
   * (standard deviation) of their pairwise accuracy */
  repeats?: number;
  pairwiseAccuracySd?: number | null;
}

/** Head-to-head of two sides, both orders per prompt (remote/eval/headToHead.ts): a win or loss needs the same
 * preference in both orders, disagreeing orders are a tie, an unreadable verdict is its own count. */
export interface HeadToHeadSummary {
  n: number;
  wins: number;
  ties: number;
  losses: number;
  /** comparisons with an unreadable verdict (or a failed request) in at least one order: never ties, in no rate */
  unreadable: number;
  /** wins + ties + losses: the denominator of the rates */
  decided?: number;
  winRate: number | null;
  lossRate: number | null;
  /** 95 % Wilson intervals */
  winRateCi: [number, number] | null;
  lossRateCi: [number, number] | null;
  /** comparisons where the two orders disagreed (= ties) */
  orderDisagreements: number;
}

/** Win rate against reference answers (AlpacaEval format), both orders per prompt; fractions 0–1
 * (remote/eval/winRate.ts). */
export interface WinRateSummary {
  /** prompts compared (the model answered them) */
  n: number;
  wins: number;
  ties: number;
  losses: number;
  /** prompts with an unreadable verdict in either order: their own count, never ties, not in any rate */
  unreadable: number;
  /** (wins + ties/2) / (wins + ties + losses): AlpacaEval's definition, a tie half a win */
  winRate: number | null;
  /** 95 % Wilson interval with wins + ties/2 successes of wins + ties + losses */
  winRateCi: [number, number] | null;
  /** AlpacaEval 2.0 length-controlled win rate (remote/eval/lengthControlled.ts); null when nothing is readable */
  lcWinRate: number | null;
  lc: { formula: string; C: number; weights: Record<string, number>; standardError: number | null } | null;
  /** mean characters of the model's answers and of the reference answers */
  meanLength: number | null;
  referenceMeanLength: number | null;
  /** prompts the model failed to answer (left out), and prompts of the set the run trained on or generated */
  failed: number;
  seenInTraining: number;
}

/** Multi-turn grading in the MT-Bench shape: 1–10 per turn (remote/eval/multiTurn.ts). */
export interface MultiTurnSummary {
  questions: number;
  /** graded turns with a readable rating on the scale */
  graded: number;
  /** ratings that could not be read, and ratings off the 1–10 scale (counted apart, never clamped) */
  unreadable: number;
  outOfRange: number;
  /** questions the model failed to answer */
  failed: number;
  /** mean of every readable turn rating (the MT-Bench score), and per turn */
  mean: number | null;
  turn1: number | null;
  turn2: number | null;
  categories: Record<string, { mean: number | null; graded: number }>;
}

/** A model (or endpoint) an evaluation is about. `key` names its files (m2, sft, ext-gpt-4o …). */
export interface EvalModelRef {
  key: string;
  label: string;
  name: string;
  iteration?: number;
  role?: 'policy' | 'sft-baseline';
}

/** One evaluation result file, as events, snapshots and eval/list carry it (the numbers are the file's). */
export interface EvalResultRef {
  kind: EvalKind;
  model: EvalModelRef;
  /** head-to-head: the other side */
  against?: EvalModelRef;
  /** the result file, relative to the run folder */
  file: string;
  promptSet: string;
  /** who judged ("self: M2 (…)", or the external model and URL) */
  judge: string;
  finishedAt: string;
  winRate?: WinRateSummary;
  multiTurn?: MultiTurnSummary;
  judgeAgreement?: JudgeAgreement;
  headToHead?: HeadToHeadSummary;
}

/** A side of a head-to-head: a model of the run or any OpenAI-compatible endpoint (its key read on the agent host). */
export type EvalSubject =
  | { kind: 'run'; iteration: number; role?: 'policy' | 'sft-baseline' }
  | { kind: 'endpoint'; baseUrls: string[]; model: string; apiKeyEnv?: string; label?: string };

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
  /** Give a run a new display name (run.json `name`; the id and folder stay). */
  'runs/rename': { params: { runId: string; name: string }; result: { run: RunSummary } };
  /** Delete a run folder; refused while an iteration of it runs. */
  'runs/delete': { params: { runId: string }; result: { deleted: true } };

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
    params: { previewId: string; runId?: string; rubric: string; samples: PreviewSample[]; k: number; slot?: string; kind?: TemplateKind };
    result: { previewId: string; accepted: number };
  };
  'preview/cancel': { params: { previewId: string }; result: { cancelled: boolean } };

  'pairs/read': {
    params: { runId: string; iteration: number; offset: number; limit: number; filter?: PairFilter; kind?: PairKind };
    result: { pairs: PairView[]; total: number; matched: number; reviewed: number };
  };
  'pairs/decide': {
    params: { runId: string; iteration: number; decisions: PairDecision[]; kind?: PairKind };
    result: { applied: number };
  };
  /** Ids and review states of every pair matching `filter` (for bulk actions on the filtered set). */
  'pairs/ids': {
    params: { runId: string; iteration: number; filter?: PairFilter; kind?: PairKind };
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

  /** The rubric (or, with kind meta-judge, the meta-judge template) in use or of a version. A run that has stored no
   * meta-judge template yet answers version 0 with the one it would use. */
  'rubric/get': { params: { runId: string; version?: number; kind?: TemplateKind }; result: { version: number; hash: string; text: string } };
  'rubric/set': { params: { runId: string; text: string; kind?: TemplateKind }; result: { version: number; hash: string } };

  'files/list': { params: { runId: string; iteration?: number }; result: { files: { path: string; size: number }[] } };
  'files/read': { params: { runId: string; path: string; offset: number; length: number }; result: { data: string; size: number; eof: boolean } };

  'preflight/run': { params: { config?: unknown }; result: { checks: PreflightCheck[]; ok: boolean } };

  /** Hand an API key to the agent, held in memory only (never written); looked up by its env-variable name. */
  'secrets/set': { params: { name: string; value: string }; result: { ok: true } };
  /** Judge a labelled set with model M_`model` (default: the latest) and a rubric version; writes eval/judge-m<t>.json. */
  'eval/judge': {
    params: { runId: string; model?: number; labelled?: SeedSource; k?: number; rubricVersion?: number; maxGroups?: number };
    result: { model: number; rubricVersion: number; agreement: JudgeAgreement; file: string; result?: EvalResultRef };
  };
  /**
   * A head-to-head on held-out prompts (default builtin:heldout): `subject` (default M_`modelNew`, else the latest
   * model) against `against` (default M_`modelOld`, else the previous model) — models of the run, the SFT baseline or
   * any endpoint; judged by `judge` (an ExternalJudge, `{kind: 'self'}`, default the run's eval.judge). Writes
   * eval/h2h-<subject>-vs-<against>.json(l).
   */
  'eval/compare': {
    params: {
      runId: string; modelNew?: number; modelOld?: number; subject?: EvalSubject; against?: EvalSubject;
      prompts?: SeedSource; maxPrompts?: number; judge?: ExternalJudge | EvalJudgeSpec;
    };
    /** skipped: prompts left out because a side failed to answer them */
    result: { summary: HeadToHeadSummary; file: string; skipped: number; result?: EvalResultRef };
  };
  /** Win rate of a model (default the latest) against an AlpacaEval-format reference set (default builtin:heldout). */
  'eval/winRate': {
    params: { runId: string; subject?: EvalSubject; prompts?: string; maxPrompts?: number; judge?: ExternalJudge | EvalJudgeSpec };
    result: { summary: WinRateSummary; file: string; result: EvalResultRef };
  };
  /** Multi-turn 1–10 grading of a model (default the latest) on an MT-Bench-format set (default builtin:mt). */
  'eval/multiTurn': {
    params: { runId: string; subject?: EvalSubject; questions?: string; maxQuestions?: number; judge?: ExternalJudge | EvalJudgeSpec };
    result: { summary: MultiTurnSummary; file: string; result: EvalResultRef };
  };
  /** Every evaluation result of the run, read from its eval/ folder. */
  'eval/list': { params: { runId: string }; result: { results: EvalResultRef[] } };
  /** Write iterations/<t>/report.md + report.json + charts; returns the written paths (relative to the run folder). */
  'report/write': { params: { runId: string; iteration: number }; result: { files: string[]; warnings: string[] } };
}

export interface Notifications {
  'events/push': { runId: string; events: RunEvent[] };
  'preview/result': PreviewResult;
  'preview/done': { previewId: string; cancelled: boolean; error?: string };
  'agent/log': { level: 'info' | 'warn' | 'error'; message: string };
  /**
   * To the run's subscribers: an event its log could not record (the log's own storage failed — a full disk, an
   * I/O error), e.g. the `iteration.failed` saying so. It has no seq and is not in `events.jsonl`: show it; the
   * stream continues with the next recorded event.
   */
  'events/unrecorded': { runId: string; event: RunEventBody; error: string };
  'eval/progress': { runId: string; kind: 'judge' | 'compare' | 'winRate' | 'multiTurn'; done: number; total: number };
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
