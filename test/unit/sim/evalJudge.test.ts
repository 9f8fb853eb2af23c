/**
 * The sim understands the evaluation judges' prompts: pairwise comparison (Verdict: A|B) and 1–10 grading of one or
 * two turns (Rating: [[x]]) — through its real HTTP interface and the product's own judge clients and parsers.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { startSimServer, type SimServer } from '../../../remote/backends/sim/server';
import { parseEvalJudgePrompt, POSITION_BIAS } from '../../../remote/backends/sim/evalJudge';
import { fillGradingPrompt, fillPairwisePrompt, openAiGradingJudge, openAiPairwiseJudge } from '../../../remote/eval/judges';
import { headToHead } from '../../../remote/eval/headToHead';

const INSTRUCTION = 'How should I plan a small vegetable garden for my first season?';
const GOOD = [
  '### Vegetable garden plan',
  'Here is how I would approach your small vegetable garden.',
  '1. **Goal.** Start by pinning down the goal you want the vegetable garden to serve: for example 3 crops you actually eat.',
  '2. **Budget.** Set a budget for the garden early; a rule of thumb is about 50 for seeds, soil and a watering can.',
  '3. **Timing.** Plan the timing of the vegetable garden so each stage has room: sow after the last frost, in 2 batches.',
  '4. **Mistakes.** Watch for common mistakes with the garden, such as planting too close; keep a checklist with 5 items.',
  '5. **Maintenance.** Schedule light maintenance of the vegetable garden, specifically 10 minutes of weeding a day.',
].join('\n');
const POOR = 'Of course, generally speaking there is no single right way. Everyone\'s situation is different and it depends on many factors. Board games are fun on a rainy weekend. Hope this helps!';

let sim: SimServer;
before(async () => {
  sim = await startSimServer({ zeroLatency: true, malformedJudgmentRate: 0 });
});
after(() => sim.close());

test('the sim recognises the product\'s pairwise and grading prompts, and nothing else', () => {
  const pw = parseEvalJudgePrompt(fillPairwisePrompt(INSTRUCTION, GOOD, POOR));
  assert.equal(pw?.kind, 'pairwise');
  assert.ok(pw?.kind === 'pairwise' && pw.instruction === INSTRUCTION && pw.answerA === GOOD && pw.answerB === POOR);
  const g1 = parseEvalJudgePrompt(fillGradingPrompt({ questions: [INSTRUCTION], replies: [GOOD] }));
  assert.ok(g1?.kind === 'grade' && g1.question === INSTRUCTION && g1.reply === GOOD && g1.min === 1 && g1.max === 10);
  const g2 = parseEvalJudgePrompt(fillGradingPrompt({ questions: [INSTRUCTION, 'Now make it for a balcony.'], replies: [GOOD, POOR] }));
  assert.ok(g2?.kind === 'grade' && g2.question === 'Now make it for a balcony.' && g2.reply === POOR, 'turn 2: the second reply against the second question');
  assert.equal(parseEvalJudgePrompt(INSTRUCTION), undefined);
  assert.equal(parseEvalJudgePrompt('Rate the response from 0 to 5.\n<instruction>x</instruction>\n<response>y</response>\nScore:'), undefined, 'the rubric judge\'s prompt is not an evaluation prompt');
});

test('pairwise: the sim prefers the better answer in both orders; equal answers come out a tie (position bias)', async () => {
  const judge = openAiPairwiseJudge({ baseUrls: [sim.baseUrl], model: 'sim-base' });
  const ab = await judge.compare(INSTRUCTION, GOOD, POOR);
  const ba = await judge.compare(INSTRUCTION, POOR, GOOD);
  assert.equal(ab.verdict, 'A', ab.text);
  assert.equal(ba.verdict, 'B', ba.text);
  assert.match(ab.text, /Verdict: A\s*$/);
  assert.ok(POSITION_BIAS > 0);
  const r = await headToHead([{ promptId: 'p', prompt: INSTRUCTION, answerNew: GOOD, answerOld: GOOD }, { promptId: 'q', prompt: INSTRUCTION, answerNew: GOOD, answerOld: POOR }], judge);
  assert.deepEqual(r.comparisons.map((c) => c.outcome), ['tie', 'win']);
});

test('1–10 grading: a good reply rates higher than a poor one, on the scale, for turn 1 and turn 2', async () => {
  const judge = openAiGradingJudge({ baseUrls: [sim.baseUrl], model: 'sim-base' });
  const good = await judge.grade({ questions: [INSTRUCTION], replies: [GOOD] });
  const poor = await judge.grade({ questions: [INSTRUCTION], replies: [POOR] });
  assert.ok(good.rating !== null && poor.rating !== null, `${good.text} / ${poor.text}`);
  assert.ok(good.rating! >= 1 && good.rating! <= 10 && poor.rating! >= 1);
  assert.ok(good.rating! > poor.rating!, `good ${good.rating} > poor ${poor.rating}`);
  const t2 = await judge.grade({ questions: ['Name a hobby.', INSTRUCTION], replies: ['Gardening.', GOOD] });
  assert.equal(t2.rating, good.rating, 'turn 2 is graded against its own question');
});

test('a share of evaluation verdicts comes out unreadable (the malformed-judgment rate)', async () => {
  const noisy = await startSimServer({ zeroLatency: true, malformedJudgmentRate: 0.5 });
  try {
    const judge = openAiPairwiseJudge({ baseUrls: [noisy.baseUrl], model: 'sim-base' });
    const verdicts = await Promise.all(Array.from({ length: 24 }, (_, i) => judge.compare(`${INSTRUCTION} (${i})`, GOOD, POOR)));
    const unreadable = verdicts.filter((v) => v.verdict === null).length;
    assert.ok(unreadable > 3 && unreadable < 21, `${unreadable} of 24 unreadable`);
    assert.ok(verdicts.filter((v) => v.verdict !== null).every((v) => v.verdict === 'A'));
  } finally {
    await noisy.close();
  }
});
