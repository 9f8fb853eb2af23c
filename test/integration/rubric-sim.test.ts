/**
 * Rubric edits against the simulated model server, through the pipeline's preview judge (the code path of the
 * Rubric Preview): removing criteria lowers scores; a verbosity criterion lowers the scores of long padded answers.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../remote/config/config';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { previewJudge } from '../../remote/pipeline/preview';
import { startSimServer, type SimServer } from '../../remote/backends/sim/server';
import { LABELLED_SEED } from '../../remote/seed/builtin/labelled';
import { labelledSamples } from '../../remote/eval/judgeEval';
import { judgeAgreement, groupsFromSamples, meanScore } from '../../remote/eval/metrics';
import type { PreviewSample } from '../../remote/protocol';

let sim: SimServer;
before(async () => {
  sim = await startSimServer({ zeroLatency: true, malformedJudgmentRate: 0 });
});
after(async () => sim.close());

const judgeCfg = validateConfig({ name: 'x', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).judge;

async function scores(rubric: string, samples: PreviewSample[], k = 3): Promise<Map<string, number | null>> {
  const raw = new Map<string, (number | null)[]>();
  await previewJudge({
    rubric, samples, k, endpoint: { baseUrls: [sim.baseUrl], model: 'sim-base' }, judge: judgeCfg, signal: new AbortController().signal,
    onResult: (r) => {
      const list = raw.get(r.sampleId) ?? [];
      list[r.sample] = r.score;
      raw.set(r.sampleId, list);
    },
  });
  return new Map(samples.map((s) => [s.id, meanScore(raw.get(s.id) ?? [])]));
}
const avg = (m: Map<string, number | null>, ids?: string[]): number => {
  const xs = [...m].filter(([id]) => !ids || ids.includes(id)).map(([, v]) => v).filter((v): v is number => v !== null);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};

const labelled = labelledSamples(LABELLED_SEED.map((g) => ({ group: g.id, prompt: g.prompt, answers: g.answers })));

test('removing the two strictest criteria lowers the preview scores', async () => {
  const lines = DEFAULT_RUBRIC.split('\n');
  const fourth = lines.findIndex((l) => l.startsWith('- Add a 4th point'));
  const sixth = lines.findIndex((l, i) => i > fourth && l.trim() === '');
  const cut = [...lines.slice(0, fourth), ...lines.slice(sixth)].join('\n');
  assert.ok(!cut.includes('4th point') && !cut.includes('5th point') && cut.includes('3rd point'));
  const full = await scores(DEFAULT_RUBRIC, labelled);
  const fewer = await scores(cut, labelled);
  assert.ok(avg(fewer) < avg(full), `mean ${avg(fewer)} with 3 criteria vs ${avg(full)} with 5`);
  // no answer can get more than 3 points without the 4th and 5th criteria
  assert.ok([...fewer.values()].every((v) => v === null || v <= 3));
});

test('a verbosity criterion lowers long padded answers more than concise ones', async () => {
  const padding = ' It is important to note that there are many factors to consider here. In general, this is a topic that many people find interesting. Overall, it depends on your situation and needs.';
  const best = LABELLED_SEED.map((g) => ({ prompt: g.prompt, answer: g.answers[0].text }));
  const concise: PreviewSample[] = best.map((b, i) => ({ id: `c${i}`, prompt: b.prompt, answer: b.answer }));
  const padded: PreviewSample[] = best.map((b, i) => ({ id: `p${i}`, prompt: b.prompt, answer: b.answer + padding.repeat(3) }));
  const verbosity = DEFAULT_RUBRIC.replace(
    '\n\n<instruction>',
    '\n- Subtract 1 point if the response is verbose or padded with generic filler sentences that add nothing.\n\n<instruction>',
  );
  const samples = [...concise, ...padded];
  const before = await scores(DEFAULT_RUBRIC, samples);
  const afterEdit = await scores(verbosity, samples);
  const padIds = padded.map((s) => s.id);
  const conIds = concise.map((s) => s.id);
  const padDrop = avg(before, padIds) - avg(afterEdit, padIds);
  const conDrop = avg(before, conIds) - avg(afterEdit, conIds);
  assert.ok(padDrop > 0.3, `padded answers lose ${padDrop.toFixed(2)} points on average`);
  assert.ok(padDrop > conDrop + 0.2, `padded lose ${padDrop.toFixed(2)}, concise ${conDrop.toFixed(2)}`);
  assert.ok(avg(afterEdit, padIds) < avg(afterEdit, conIds), 'under the verbosity rubric padding no longer pays');
});

test('judge agreement of the sim judge with the shipped human rankings (A/B metric end to end)', async () => {
  const s = await scores(DEFAULT_RUBRIC, labelled);
  const a = judgeAgreement(groupsFromSamples(labelled, (id) => s.get(id) ?? null));
  assert.equal(a.groups, LABELLED_SEED.length);
  const humanPairs = LABELLED_SEED.reduce((n, g) => n + (g.answers.length * (g.answers.length - 1)) / 2, 0);
  assert.equal(a.pairs, humanPairs, 'every pair people ranked apart is counted');
  // the sim judge follows the rubric's criteria, so it orders answers with people more often than against them
  assert.ok((a.kendallTau ?? 0) > 0 && (a.spearman ?? 0) > 0, JSON.stringify(a));
});
