/**
 * The run folder (documented in README "Run folder format"):
 *   <runsDir>/<runId>/run.json            config snapshot + identity
 *                     events.jsonl        sequenced events (EventLog)
 *                     models.json         model registry: (iteration, role) → model
 *                     rubrics/v<k>.md     rubric versions (meta-judge-v<k>.md: meta-judge template versions)
 *                     run.lock            one writer per run
 *                     iterations/<t>/     manifest.json, prompts/candidates/judgments/pairs/decisions.jsonl,
 *                                         meta-judgments/judge-pairs/judge-pairs.decisions.jsonl (meta-judge on),
 *                                         train/, metrics.json
 *                     iterations/0/       the SFT iteration: ift, groups, baseline-judgments, eft-train, eft-eval,
 *                                         agreement (.jsonl), train/, manifest.json, metrics.json
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  CandidateRecord, EftGroupRecord, EftRow, GroupJudgmentRecord, IftRecord, IterationManifest, IterationSummary, JudgePairRecord,
  JudgmentRecord, MetaJudgmentRecord, ModelEntry, PairDecision, PairRecord, PromptRecord, RunConfig, RunEvent, RunEventBody,
  RunSummary, TemplateKind,
} from '../protocol';
import { EventLog } from './eventLog';
import { JsonlWriter, readJsonl } from './jsonl';
import { RunLock } from './lock';
import { readJsonIfExists, removeOrphanTemps, writeFileAtomic, writeJsonAtomic } from './atomic';
import { rubricHash } from '../rubric/template';
import { info } from '../log';

export interface RunMeta {
  id: string;
  name: string;
  createdAt: string;
  config: RunConfig;
  agentVersion: string;
}

export interface IterationFiles {
  prompts: PromptRecord;
  candidates: CandidateRecord;
  judgments: JudgmentRecord;
  pairs: PairRecord;
  decisions: PairDecision;
  // iteration 0 (SFT)
  ift: IftRecord;
  groups: EftGroupRecord;
  'baseline-judgments': GroupJudgmentRecord;
  'eft-train': EftRow;
  'eft-eval': EftRow;
  agreement: GroupJudgmentRecord;
  // meta-judge (metaJudge.enabled)
  'meta-judgments': MetaJudgmentRecord;
  'judge-pairs': JudgePairRecord;
  'judge-pairs.decisions': PairDecision;
}

/** A template kind's version files in rubrics/: v<k>.md (rubric), meta-judge-v<k>.md (meta-judge template). */
const TEMPLATE_FILE: Record<TemplateKind, { prefix: string; re: RegExp }> = {
  rubric: { prefix: 'v', re: /^v(\d+)\.md$/ },
  'meta-judge': { prefix: 'meta-judge-v', re: /^meta-judge-v(\d+)\.md$/ },
};
export type IterationFileName = keyof IterationFiles;

/** Iteration files whose records each have an event in the log, and that event's type. */
export const RECORD_EVENT = { prompts: 'prompt', candidates: 'candidate', judgments: 'judgment', pairs: 'pair', 'judge-pairs': 'judge-pair' } as const;
export type RecordFileName = keyof typeof RECORD_EVENT;

export type ModelRole = NonNullable<ModelEntry['role']>;
const roleOf = (m: Pick<ModelEntry, 'role'>): ModelRole => m.role ?? 'policy';

/** A run id safe as a folder name everywhere: lowercase slug + UTC timestamp. */
export function makeRunId(name: string, now = new Date()): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${slug}-${ts}`;
}

const RUN_ID_RE = /^[a-z0-9][a-z0-9-]{0,80}$/;

/** The run id grammar (what makeRunId produces): a folder name that is safe everywhere. */
export function isRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID_RE.test(id);
}

export function assertRunId(id: unknown): asserts id is string {
  if (!isRunId(id)) throw new Error(`invalid run id ${JSON.stringify(id)}`);
}

/** Iteration numbers are non-negative integers (0 = the SFT iteration, 1… self-rewarding ones). */
export function isIterationNumber(t: unknown): t is number {
  return typeof t === 'number' && Number.isSafeInteger(t) && t >= 0;
}

export function assertIteration(t: unknown): asserts t is number {
  if (!isIterationNumber(t)) throw new Error(`invalid iteration ${JSON.stringify(t)}: must be a non-negative integer`);
}

export class RunStore {
  constructor(readonly runsDir: string) {
    fs.mkdirSync(runsDir, { recursive: true });
  }

  runDir(id: string): string {
    assertRunId(id);
    return path.join(this.runsDir, id);
  }

  /** Create a new run folder and open it for writing. */
  create(config: RunConfig, opts: { agentVersion: string; rubricText: string; now?: Date }): Run {
    let id = makeRunId(config.name, opts.now);
    for (let i = 2; fs.existsSync(path.join(this.runsDir, id)); i++) id = `${makeRunId(config.name, opts.now)}-${i}`;
    const dir = path.join(this.runsDir, id);
    fs.mkdirSync(path.join(dir, 'iterations'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'rubrics'), { recursive: true });
    const meta: RunMeta = { id, name: config.name, createdAt: (opts.now ?? new Date()).toISOString(), config, agentVersion: opts.agentVersion };
    writeJsonAtomic(path.join(dir, 'run.json'), meta);
    const run = Run.open(dir, { write: true });
    run.emit({ type: 'run.created', runId: id, name: config.name });
    run.addRubricVersion(opts.rubricText);
    // With SFT, model.name is the base model M0 and the run begins with iteration 0; else it is M1.
    if (config.sft?.enabled) run.registerModel({ iteration: 0, role: 'policy', name: config.model.name, madeBy: 'base' });
    else run.registerModel({ iteration: 1, name: config.model.name, madeBy: 'base' });
    return run;
  }

  open(id: string, opts: { write: boolean }): Run {
    const dir = this.runDir(id);
    if (!fs.existsSync(path.join(dir, 'run.json'))) throw new Error(`run ${id} not found in ${this.runsDir}`);
    return Run.open(dir, opts);
  }

  /** Ids of every run folder, newest first. */
  list(): string[] {
    return fs
      .readdirSync(this.runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && RUN_ID_RE.test(d.name) && fs.existsSync(path.join(this.runsDir, d.name, 'run.json')))
      .map((d) => d.name)
      .sort()
      .reverse();
  }
}

export class Run {
  readonly events: EventLog;
  private lock: RunLock | undefined;
  private writers = new Map<string, JsonlWriter<unknown>>();

  private constructor(readonly dir: string, readonly meta: RunMeta, readonly writable: boolean) {
    this.lock = writable ? RunLock.acquire(path.join(dir, 'run.lock')) : undefined;
    try {
      if (writable) {
        // Ours now: temp files of atomic writes a killed process (or a full disk) left behind are garbage.
        const n = removeOrphanTemps(dir, 5);
        if (n) info(`${dir}: removed ${n} temp file(s) of unfinished writes`);
      }
      const file = path.join(dir, 'events.jsonl');
      this.events = writable ? EventLog.openWritable(file) : EventLog.openReadOnly(file);
    } catch (e) {
      this.lock?.release();
      throw e;
    }
  }

  static open(dir: string, opts: { write: boolean }): Run {
    const meta = readJsonIfExists<RunMeta>(path.join(dir, 'run.json'));
    if (!meta) throw new Error(`${path.join(dir, 'run.json')}: missing`);
    return new Run(dir, meta, opts.write);
  }

  get id(): string {
    return this.meta.id;
  }
  get config(): RunConfig {
    return this.meta.config;
  }

  emit(body: RunEventBody): RunEvent {
    return this.events.append(body);
  }

  /**
   * Records of an iteration file and their events as group commits: one write of every record to the file, then
   * one write of their events to the log. A crash between the two leaves records without events, which a resume
   * re-emits (pipeline/reconcileEvents.ts), as with one record; a failed write leaves none of its batch.
   */
  commitRecords<N extends RecordFileName>(t: number, name: N, records: readonly IterationFiles[N][]): void {
    if (!records.length) return;
    const json = records.map((r) => JSON.stringify(r));
    this.writer(t, name).appendJson(json);
    this.events.appendRecordEvents(RECORD_EVENT[name], records, json);
  }

  iterationDir(t: number): string {
    assertIteration(t);
    return path.join(this.dir, 'iterations', String(t));
  }

  /** Iteration numbers that have a folder, ascending. */
  iterations(): number[] {
    const dir = path.join(this.dir, 'iterations');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  }

  filePath(t: number, name: IterationFileName): string {
    return path.join(this.iterationDir(t), `${name}.jsonl`);
  }

  /**
   * Appender for an iteration file (torn tail recovered on first use). A writer whose failed write could not be cut
   * back is replaced by a fresh one (which repairs the tail) before anyone appends again.
   */
  writer<N extends IterationFileName>(t: number, name: N): JsonlWriter<IterationFiles[N]> {
    const file = this.filePath(t, name);
    let w = this.writers.get(file);
    if (w?.broken) {
      w.close();
      this.writers.delete(file);
      w = undefined;
    }
    if (!w) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      w = JsonlWriter.open(file);
      this.writers.set(file, w);
    }
    return w as JsonlWriter<IterationFiles[N]>;
  }

  /**
   * Replace an iteration file's records (atomically: temp + rename), e.g. to requeue failed items on resume. Its
   * open appender is closed first; the next `writer()` opens the new file.
   */
  replaceRecords<N extends IterationFileName>(t: number, name: N, records: readonly IterationFiles[N][]): void {
    const file = this.filePath(t, name);
    this.writers.get(file)?.close();
    this.writers.delete(file);
    writeFileAtomic(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  read<N extends IterationFileName>(t: number, name: N): IterationFiles[N][] {
    return readJsonl<IterationFiles[N]>(this.filePath(t, name));
  }

  readManifest(t: number): IterationManifest | undefined {
    return readJsonIfExists<IterationManifest>(path.join(this.iterationDir(t), 'manifest.json'));
  }

  writeManifest(m: IterationManifest): void {
    fs.mkdirSync(this.iterationDir(m.iteration), { recursive: true });
    writeJsonAtomic(path.join(this.iterationDir(m.iteration), 'manifest.json'), m);
  }

  readMetrics(t: number): IterationSummary | undefined {
    return readJsonIfExists<IterationSummary>(path.join(this.iterationDir(t), 'metrics.json'));
  }

  writeMetrics(s: IterationSummary): void {
    writeJsonAtomic(path.join(this.iterationDir(s.iteration), 'metrics.json'), s);
  }

  // --- models -------------------------------------------------------------------------------------------------

  models(): ModelEntry[] {
    return readJsonIfExists<ModelEntry[]>(path.join(this.dir, 'models.json')) ?? [];
  }

  /**
   * Register a model: the policy iteration `entry.iteration` runs with, or another role of it (the SFT baseline),
   * replacing an earlier entry for the same (iteration, role).
   */
  registerModel(entry: ModelEntry): void {
    const all = this.models().filter((m) => m.iteration !== entry.iteration || roleOf(m) !== roleOf(entry));
    all.push(entry);
    all.sort((a, b) => a.iteration - b.iteration || (roleOf(a) === 'policy' ? 1 : 0) - (roleOf(b) === 'policy' ? 1 : 0));
    writeJsonAtomic(path.join(this.dir, 'models.json'), all);
    this.emit({ type: 'model.registered', iteration: entry.iteration, model: entry });
  }

  /** The model of iteration t in a role (default: the policy, M_t). */
  modelFor(t: number, role: ModelRole = 'policy'): ModelEntry | undefined {
    return this.models().find((m) => m.iteration === t && roleOf(m) === role);
  }

  // --- rubric versions ----------------------------------------------------------------------------------------

  rubricVersions(): { version: number; hash: string }[] {
    return this.templateVersions('rubric');
  }

  rubric(version: number): string {
    return this.template('rubric', version);
  }

  latestRubric(): { version: number; hash: string; text: string } {
    const last = this.latestTemplate('rubric');
    if (!last) throw new Error(`${this.dir}: run has no rubric`);
    return last;
  }

  /** Store a rubric text as a new version (unless it equals the latest). */
  addRubricVersion(text: string): { version: number; hash: string } {
    return this.addTemplateVersion('rubric', text);
  }

  /** Stored versions of a template kind, ascending. */
  templateVersions(kind: TemplateKind): { version: number; hash: string }[] {
    const dir = path.join(this.dir, 'rubrics');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .map((f) => TEMPLATE_FILE[kind].re.exec(f))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
      .map((version) => ({ version, hash: rubricHash(this.template(kind, version)) }));
  }

  template(kind: TemplateKind, version: number): string {
    return fs.readFileSync(path.join(this.dir, 'rubrics', `${TEMPLATE_FILE[kind].prefix}${version}.md`), 'utf8');
  }

  /** The latest stored version of a template kind; undefined when none is stored. */
  latestTemplate(kind: TemplateKind): { version: number; hash: string; text: string } | undefined {
    const versions = this.templateVersions(kind);
    const last = versions[versions.length - 1];
    return last ? { ...last, text: this.template(kind, last.version) } : undefined;
  }

  /** Store a template text as the kind's next version (unless it equals the latest). */
  addTemplateVersion(kind: TemplateKind, text: string): { version: number; hash: string } {
    const versions = this.templateVersions(kind);
    const last = versions[versions.length - 1];
    const hash = rubricHash(text);
    if (last && last.hash === hash) return last;
    const version = (last?.version ?? 0) + 1;
    fs.mkdirSync(path.join(this.dir, 'rubrics'), { recursive: true });
    writeFileAtomic(path.join(this.dir, 'rubrics', `${TEMPLATE_FILE[kind].prefix}${version}.md`), text);
    this.emit({ type: 'rubric.version', version, hash, ...(kind === 'rubric' ? {} : { kind }) });
    return { version, hash };
  }

  /** A new display name (run.json `name` and a `run.renamed` event); the id and the folder stay. */
  rename(name: string): void {
    this.meta.name = name;
    writeJsonAtomic(path.join(this.dir, 'run.json'), this.meta);
    this.emit({ type: 'run.renamed', name });
  }

  summary(status: RunSummary['status'] = 'idle'): RunSummary {
    return {
      id: this.id,
      name: this.meta.name,
      dir: this.dir,
      createdAt: this.meta.createdAt,
      iterations: this.iterations().length,
      status,
      lastSeq: this.events.lastSeq,
    };
  }

  close(): void {
    for (const w of this.writers.values()) w.close();
    this.writers.clear();
    this.events.close();
    this.lock?.release();
    this.lock = undefined;
  }
}
