/**
 * rubric/*: the run's rubric versions (rubrics/v<k>.md) and, with `kind: 'meta-judge'`, its meta-judge template
 * versions (rubrics/meta-judge-v<k>.md); a new text becomes the kind's next version. A run that has stored no
 * meta-judge template answers version 0 with the one its next iteration would store (metaJudge.templateFile or the
 * built-in template).
 */
import * as fs from 'node:fs';
import { RpcErrors, type TemplateKind } from '../../protocol';
import { rubricErrors, rubricHash } from '../../rubric/template';
import { DEFAULT_META_JUDGE, metaTemplateErrors } from '../../rubric/metaTemplate';
import { AgentError } from '../types';
import type { DaemonHandlerMap } from '../daemon';
import type { Run } from '../../store/runStore';

function kindOf(kind: unknown): TemplateKind {
  if (kind === undefined || kind === 'rubric' || kind === 'meta-judge') return (kind as TemplateKind | undefined) ?? 'rubric';
  throw new AgentError(RpcErrors.InvalidConfig, `"kind" must be "rubric" or "meta-judge", got ${JSON.stringify(kind)}`);
}

/** The meta-judge template a run would start with when none is stored yet. */
function unstoredMetaTemplate(run: Run): { version: number; hash: string; text: string } {
  const file = run.config.metaJudge?.templateFile;
  let text = DEFAULT_META_JUDGE;
  if (file) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // the iteration will report the unreadable file; the editor starts from the built-in text
    }
  }
  return { version: 0, hash: rubricHash(text), text };
}

export const rubricHandlers: DaemonHandlerMap = {
  'rubric/get': async ({ runId, version, kind }, daemon) => {
    const run = daemon.openRun(runId);
    const k = kindOf(kind);
    const what = k === 'rubric' ? 'rubric' : 'meta-judge template';
    if (version === undefined || (k === 'meta-judge' && version === 0 && !run.templateVersions(k).length)) {
      const latest = run.latestTemplate(k);
      if (latest) return latest;
      if (k === 'meta-judge') return unstoredMetaTemplate(run);
      throw new AgentError(RpcErrors.NotFound, `run ${runId} has no ${what}`);
    }
    const known = run.templateVersions(k).find((r) => r.version === version);
    if (!known) throw new AgentError(RpcErrors.NotFound, `run ${runId} has no ${what} version ${version}`);
    return { ...known, text: run.template(k, version) };
  },
  'rubric/set': async ({ runId, text, kind }, daemon) => {
    const k = kindOf(kind);
    if (typeof text !== 'string' || !text.trim()) throw new AgentError(RpcErrors.InvalidConfig, `rubric/set: the ${k === 'rubric' ? 'rubric' : 'meta-judge template'} text is empty`);
    // A template the judge cannot use would burn a whole iteration into parse failures: refuse it now.
    const problems = k === 'rubric' ? rubricErrors(text) : metaTemplateErrors(text);
    if (problems.length) throw new AgentError(RpcErrors.InvalidConfig, `rubric/set: the ${k === 'rubric' ? 'rubric' : 'meta-judge template'} ${problems.join('; it ')}`);
    return daemon.openRun(runId).addTemplateVersion(k, text);
  },
};
