/**
 * The Self-Rewarding paper's reported numbers (Yuan et al. 2024; /work/shared/docs/self-rewarding.md), for the
 * report to place beside a run's. Llama 2 70B, GPT-4 (Turbo) as judge and reference: the direction to expect, not a
 * target for another model, prompt set or judge.
 */
export const PAPER_SOURCE = 'Yuan et al. 2024, Self-Rewarding Language Models (Llama 2 70B)';

/** AlpacaEval 2.0 win rate against GPT-4 Turbo on 805 prompts (Table 1), % */
export const PAPER_ALPACA_EVAL: Record<string, number> = { M1: 9.94, M2: 15.38, M3: 20.44 };

/** average answer length (characters) on AlpacaEval, per model */
export const PAPER_LENGTH: Record<string, number> = { M1: 1092, M2: 1552, M3: 2552 };

/** head-to-head with a GPT-4 judge, both orders, 256 prompts (Fig. 3): win % / loss % of the first model */
export const PAPER_HEAD_TO_HEAD: { model: string; against: string; win: number; loss: number }[] = [
  { model: 'M1', against: 'SFT baseline', win: 30.5, loss: 30.9 },
  { model: 'M2', against: 'M1', win: 55.5, loss: 11.7 },
  { model: 'M3', against: 'M2', win: 47.7, loss: 12.5 },
  { model: 'M3', against: 'SFT baseline', win: 62.5, loss: 9.8 },
];

/** judge agreement with human rankings on Open Assistant's evaluation split (Table 4): %, %, %, ρ, τ */
export const PAPER_JUDGE: Record<string, { pairwiseAccuracy: number; fiveBest: number; exactMatch: number; spearman: number; kendallTau: number }> = {
  'SFT baseline': { pairwiseAccuracy: 65.1, fiveBest: 39.6, exactMatch: 10.1, spearman: 0.253, kendallTau: 0.233 },
  M1: { pairwiseAccuracy: 78.7, fiveBest: 41.5, exactMatch: 13.1, spearman: 0.279, kendallTau: 0.253 },
  M2: { pairwiseAccuracy: 80.4, fiveBest: 44.3, exactMatch: 14.3, spearman: 0.331, kendallTau: 0.315 },
  M3: { pairwiseAccuracy: 81.7, fiveBest: 43.2, exactMatch: 14.3, spearman: 0.349, kendallTau: 0.324 },
};
