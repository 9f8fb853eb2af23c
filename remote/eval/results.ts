/**
 * Where evaluation results live in the run folder, and their records:
 *   eval/judge-m<t>.json               judge agreement of model M_t on a labelled set (the latest evaluation)
 *   eval/h2h-m<new>-vs-m<old>.json     head-to-head summary of M_new vs M_old
 *   eval/h2h-m<new>-vs-m<old>.jsonl    its comparisons, one per line (both verdicts and the judge's texts)
 * Model numbers follow the run: iteration t runs with M_t and trains M_{t+1}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from '../store/atomic';
import type { JudgeAgreement } from './metrics';
import type { HeadToHeadComparison, HeadToHeadSummary } from './headToHead';

export interface JudgeEvalRecord {
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
  finishedAt: string;
}

export interface HeadToHeadRecord {
  modelNew: number;
  modelOld: number;
  modelNewName: string;
  modelOldName: string;
  judge: { model: string; baseUrls: string[] };
  promptSet: string;
  /** prompts left out because a model's answer request failed */
  skippedPrompts?: { promptId: string; error: string }[];
  summary: HeadToHeadSummary;
  finishedAt: string;
}

export const evalDir = (runDir: string): string => path.join(runDir, 'eval');
export const judgeEvalFile = (runDir: string, model: number): string => path.join(evalDir(runDir), `judge-m${model}.json`);
export const headToHeadFile = (runDir: string, modelNew: number, modelOld: number, ext: 'json' | 'jsonl' = 'json'): string =>
  path.join(evalDir(runDir), `h2h-m${modelNew}-vs-m${modelOld}.${ext}`);

export function writeJudgeEval(runDir: string, r: JudgeEvalRecord): string {
  const file = judgeEvalFile(runDir, r.model);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomic(file, r);
  return file;
}

export function readJudgeEval(runDir: string, model: number): JudgeEvalRecord | undefined {
  return readJsonIfExists<JudgeEvalRecord>(judgeEvalFile(runDir, model));
}

export function writeHeadToHead(runDir: string, r: HeadToHeadRecord, comparisons: readonly HeadToHeadComparison[]): string {
  const file = headToHeadFile(runDir, r.modelNew, r.modelOld);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(headToHeadFile(runDir, r.modelNew, r.modelOld, 'jsonl'), comparisons.map((c) => JSON.stringify(c) + '\n').join(''));
  writeJsonAtomic(file, r);
  return file;
}

/** Every head-to-head of the run, newest model first. */
export function listHeadToHeads(runDir: string): HeadToHeadRecord[] {
  const dir = evalDir(runDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^h2h-m\d+-vs-m\d+\.json$/.test(f))
    .map((f) => readJsonIfExists<HeadToHeadRecord>(path.join(dir, f)))
    .filter((r): r is HeadToHeadRecord => !!r)
    .sort((a, b) => b.modelNew - a.modelNew || b.modelOld - a.modelOld);
}
