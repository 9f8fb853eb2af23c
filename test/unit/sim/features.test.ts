/** Features are measured from text, and each latent level of the generator shows up in the feature it drives. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFeatures, keyTerms } from '../../../remote/backends/sim/features';
import { LATENT_DIMS, LATENT_LEVELS, type LatentConfig, latentSpace, expectedFeatures, BASE_POLICY } from '../../../remote/backends/sim/policy';
import { FEATURE_NAMES } from '../../../remote/backends/sim/features';

const DRIVES: Record<(typeof LATENT_DIMS)[number], (typeof FEATURE_NAMES)[number]> = {
  relevance: 'relevance', points: 'completeness', structure: 'organisation', expertise: 'expertise', filler: 'filler', elaboration: 'length',
};

test('each latent dimension raises the mean of the feature it drives (calibrated μ over the latent space)', () => {
  const { configs, mu } = latentSpace();
  for (const d of LATENT_DIMS) {
    const j = FEATURE_NAMES.indexOf(DRIVES[d]);
    const means = Array.from({ length: LATENT_LEVELS[d] }, (_, level) => {
      const rows = configs.map((c, i) => [c, i] as [LatentConfig, number]).filter(([c]) => c[d] === level);
      return rows.reduce((a, [, i]) => a + mu[i][j], 0) / rows.length;
    });
    for (let l = 1; l < means.length; l++) assert.ok(means[l] > means[l - 1], `${d} level ${l}: ${means.join(', ')}`);
  }
});

test('hand-written answers are measured the same way as generated ones', () => {
  const q = 'How do I keep a sourdough starter healthy?';
  assert.deepEqual(keyTerms(q), ['sourdough', 'starter', 'healthy']);
  const listed = `### Sourdough starter care\n\n1. Feed the starter every 12 hours with equal weights of flour and water (a 1:1:1 ratio).\n2. Keep the sourdough starter at about 24 °C; a cooler kitchen slows it down.\n3. Discard half the starter before each feeding so it stays active.`;
  const rambling = `Well, there is no single right way to do things. Bread is nice and many people like bread. At the end of the day it all depends on many factors. I hope this helps in some way.`;
  const a = extractFeatures(q, listed);
  const b = extractFeatures(q, rambling);
  assert.ok(a.relevance > b.relevance);
  assert.ok(a.organisation > b.organisation);
  assert.ok(a.expertise > b.expertise);
  assert.ok(b.filler > a.filler);
  assert.ok(b.filler >= 0.5);
});

test('the base model is middling: room to improve on every quality', () => {
  const e = expectedFeatures(BASE_POLICY);
  for (const k of ['relevance', 'completeness', 'organisation', 'expertise'] as const) assert.ok(e[k] > 0.2 && e[k] < 0.85, `${k} ${e[k]}`);
  assert.ok(e.filler > 0.05);
});
