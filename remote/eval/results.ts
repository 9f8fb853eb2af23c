/**
 * Where evaluation results live in the run folder, and their records — one file per model and evaluation, the
 * latest run of it (a new run of the same evaluation replaces the file):
 *   eval/winrate-<model>.json            win rate against reference answers (winRate, lcWinRate, unreadable …)
 *   eval/winrate-<model>.jsonl           every comparison: both verdicts, lengths, the judge's texts
 *   eval/mt-<model>.json / .jsonl        multi-turn 1–10 grading: summary / every graded turn
 *   eval/judge-<model>.json              judge agreement of the model on a labelled set
 *   eval/h2h-<model>-vs-<other>.json(l)  head-to-head summary / every comparison
 *   eval/answers/<model>-<set>-<h>.jsonl the model's answers to a set (a cache: an evaluation resumes from it)
 * <model> is an EvalModelRef key: m<t> for M_t of the run, sft for the SFT baseline, ext-<name> for an endpoint.
 * Every JSON is written atomically; each is also announced as an `eval.finished` event carrying its numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalKind, EvalModelRef, EvalResultRef, HeadToHeadSummary, JudgeAgreement, MultiTurnSummary, WinRateSummary } from '../protocol';
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from '../store/atomic';
import type { HeadToHeadComparison } from './headToHead';

interface RecordBase {
  /** the model (or endpoint) the evaluation is about */
  ref?: EvalModelRef;
  promptSet: string;
  judgeLabel?: string;
  finishedAt: string;
}

export interface JudgeEvalRecord extends Omit<RecordBase, 'promptSet'> {
  /** M_t: the model judging */
  model: number;
  modelName: string;
  /** where the labelled set came from (builtin:labelled or a file path) */
  labelledSet: string;
  rubricVersion: number;
  rubricHash: string;
  k: number;
  agreement: JudgeAgreement;
  /** per answer: group, human rank, the K raw scores */
  answers: { group: string; humanRank: number; scores: (number | null)[] }[];
}

export interface HeadToHeadRecord {
  /** M_new / M_old when both sides are models of the run (kept for older readers) */
  modelNew: number;
  modelOld: number;
  modelNewName: string;
  modelOldName: string;
  ref?: EvalModelRef;
  againstRef?: EvalModelRef;
  judge: { model: string; baseUrls: string[] };
  judgeLabel?: string;
  promptSet: string;
  /** prompts left out because a side's answer request failed */
  skippedPrompts?: { promptId: string; error: string }[];
  summary: HeadToHeadSummary;
  finishedAt: string;
}

export interface WinRateRecord extends RecordBase {
  kind: 'winRate';
  ref: EvalModelRef;
  judgeLabel: string;
  /** the reference answers' generator(s) */
  referenceGenerators: string[];
  summary: WinRateSummary;
  skippedPrompts?: { promptId: string; error: string }[];
}

export interface WinRateComparison extends HeadToHeadComparison {
  index: number;
  /** 1 model preferred, 0 reference preferred, 0.5 draw, null unreadable */
  preference: number | null;
  modelChars: number;
  referenceChars: number;
}

export interface MultiTurnRecord extends RecordBase {
  kind: 'multiTurn';
  ref: EvalModelRef;
  judgeLabel: string;
  summary: MultiTurnSummary;
  skippedQuestions?: { questionId: string; error: string }[];
}

export interface GradedTurn {
  questionId: string;
  category: string;
  turn: number;
  rating: number | null;
  outOfRange?: number;
  reply: string;
  text: string;
  error?: string;
}

export const evalDir = (runDir: string): string => path.join(runDir, 'eval');
export const judgeEvalFile = (runDir: string, model: number | string): string => path.join(evalDir(runDir), `judge-${typeof model === 'number' ? `m${model}` : model}.json`);
export const headToHeadFile = (runDir: string, modelNew: number | string, modelOld: number | string, ext: 'json' | 'jsonl' = 'json'): string =>
  path.join(evalDir(runDir), `h2h-${typeof modelNew === 'number' ? `m${modelNew}` : modelNew}-vs-${typeof modelOld === 'number' ? `m${modelOld}` : modelOld}.${ext}`);
export const winRateFile = (runDir: string, key: string, ext: 'json' | 'jsonl' = 'json'): string => path.join(evalDir(runDir), `winrate-${key}.${ext}`);
export const multiTurnFile = (runDir: string, key: string, ext: 'json' | 'jsonl' = 'json'): string => path.join(evalDir(runDir), `mt-${key}.${ext}`);
export const answersFile = (runDir: string, key: string, set: string, hash: string): string => path.join(evalDir(runDir), 'answers', `${key}-${set}-${hash}.jsonl`);

function writeWithLines(file: string, linesFile: string, record: unknown, lines: readonly unknown[]): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(linesFile, lines.map((c) => JSON.stringify(c) + '\n').join(''));
  writeJsonAtomic(file, record);
  return file;
}

export function writeJudgeEval(runDir: string, r: JudgeEvalRecord): string {
  const file = judgeEvalFile(runDir, r.ref?.key ?? r.model);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, r);
  return file;
}

export function readJudgeEval(runDir: string, model: number | string): JudgeEvalRecord | undefined {
  return readJsonIfExists<JudgeEvalRecord>(judgeEvalFile(runDir, model));
}

export function writeHeadToHead(runDir: string, r: HeadToHeadRecord, comparisons: readonly HeadToHeadComparison[]): string {
  const a = r.ref?.key ?? r.modelNew;
  const b = r.againstRef?.key ?? r.modelOld;
  return writeWithLines(headToHeadFile(runDir, a, b), headToHeadFile(runDir, a, b, 'jsonl'), r, comparisons);
}

export function writeWinRate(runDir: string, r: WinRateRecord, comparisons: readonly WinRateComparison[]): string {
  return writeWithLines(winRateFile(runDir, r.ref.key), winRateFile(runDir, r.ref.key, 'jsonl'), r, comparisons);
}

export function writeMultiTurn(runDir: string, r: MultiTurnRecord, turns: readonly GradedTurn[]): string {
  return writeWithLines(multiTurnFile(runDir, r.ref.key), multiTurnFile(runDir, r.ref.key, 'jsonl'), r, turns);
}

const RESULT_FILE = /^(winrate|mt|judge|h2h)-(.+)\.json$/;

/** Every head-to-head of the run, newest model first. */
export function listHeadToHeads(runDir: string): HeadToHeadRecord[] {
  return listEvalResults(runDir)
    .filter((r) => r.kind === 'headToHead')
    .map((r) => readJsonIfExists<HeadToHeadRecord>(path.join(runDir, r.file)))
    .filter((r): r is HeadToHeadRecord => !!r)
    .sort((a, b) => b.modelNew - a.modelNew || b.modelOld - a.modelOld);
}

/** A model of the run as an evaluation names it (records written before refs existed). */
export function policyRef(iteration: number, name: string): EvalModelRef {
  return { key: `m${iteration}`, label: `M${iteration}`, name, iteration, role: 'policy' };
}

/** The result file, as events, snapshots and the Evaluation section carry it. */
export function resultRef(kind: EvalKind, runDir: string, file: string, record: WinRateRecord | MultiTurnRecord | JudgeEvalRecord | HeadToHeadRecord): EvalResultRef {
  const rel = path.relative(runDir, file).split(path.sep).join('/');
  if (kind === 'winRate') {
    const r = record as WinRateRecord;
    return { kind, model: r.ref, file: rel, promptSet: r.promptSet, judge: r.judgeLabel, finishedAt: r.finishedAt, winRate: r.summary };
  }
  if (kind === 'multiTurn') {
    const r = record as MultiTurnRecord;
    return { kind, model: r.ref, file: rel, promptSet: r.promptSet, judge: r.judgeLabel, finishedAt: r.finishedAt, multiTurn: r.summary };
  }
  if (kind === 'judge') {
    const r = record as JudgeEvalRecord;
    return {
      kind, model: r.ref ?? policyRef(r.model, r.modelName), file: rel, promptSet: r.labelledSet, judge: r.judgeLabel ?? `the model itself, rubric v${r.rubricVersion}, K=${r.k}`,
      finishedAt: r.finishedAt, judgeAgreement: r.agreement,
    };
  }
  const r = record as HeadToHeadRecord;
  return {
    kind, model: r.ref ?? policyRef(r.modelNew, r.modelNewName), against: r.againstRef ?? policyRef(r.modelOld, r.modelOldName), file: rel, promptSet: r.promptSet,
    judge: r.judgeLabel ?? r.judge.model, finishedAt: r.finishedAt, headToHead: r.summary,
  };
}

const KIND_OF: Record<string, EvalKind> = { winrate: 'winRate', mt: 'multiTurn', judge: 'judge', h2h: 'headToHead' };

/** Every evaluation result file of the run (eval/*.json), oldest first. */
export function listEvalResults(runDir: string): EvalResultRef[] {
  const dir = evalDir(runDir);
  if (!fs.existsSync(dir)) return [];
  const out: EvalResultRef[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = RESULT_FILE.exec(f);
    if (!m) continue;
    const file = path.join(dir, f);
    let record;
    try {
      record = readJsonIfExists<WinRateRecord | MultiTurnRecord | JudgeEvalRecord | HeadToHeadRecord>(file);
    } catch {
      continue; // a damaged result is left out of the list, never shown half-read
    }
    if (record) out.push(resultRef(KIND_OF[m[1]], runDir, file, record));
  }
  return out.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}
