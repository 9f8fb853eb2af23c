/**
 * Review decisions on preference pairs. decisions.jsonl is an append-only log beside pairs.jsonl (which is never
 * rewritten); the last decision per pair wins. What training receives follows from it:
 *   accept → the pair as generated; flip → chosen and rejected swapped; edit → the edited texts;
 *   reject → excluded; note → review state unchanged; clear → back to unreviewed.
 * With the review gate on, only reviewed-and-kept pairs train; with it off, every pair not rejected trains.
 */
import type { PairDecision, PairRecord } from '../protocol';

export type ReviewState = 'unreviewed' | 'accepted' | 'rejected' | 'flipped' | 'edited';

export interface PairReview {
  state: ReviewState;
  flipped: boolean;
  chosenText?: string;
  rejectedText?: string;
  note?: string;
  last?: PairDecision;
}

export function emptyReview(): PairReview {
  return { state: 'unreviewed', flipped: false };
}

/** Fold one decision into a pair's review state. */
export function applyDecision(r: PairReview, d: PairDecision): PairReview {
  switch (d.kind) {
    case 'accept':
      return { ...r, state: r.flipped ? 'flipped' : r.chosenText !== undefined || r.rejectedText !== undefined ? 'edited' : 'accepted', last: d };
    case 'reject':
      return { ...r, state: 'rejected', last: d };
    case 'flip':
      return { ...r, state: 'flipped', flipped: !r.flipped, last: d };
    case 'edit':
      return {
        ...r,
        state: 'edited',
        chosenText: d.chosenText ?? r.chosenText,
        rejectedText: d.rejectedText ?? r.rejectedText,
        last: d,
      };
    case 'note':
      return { ...r, note: d.note, last: d };
    case 'clear':
      return { ...emptyReview(), note: r.note, last: d };
  }
}

/** Fold a whole decision log into per-pair review states. */
export function foldDecisions(decisions: Iterable<PairDecision>): Map<string, PairReview> {
  const out = new Map<string, PairReview>();
  for (const d of decisions) out.set(d.pairId, applyDecision(out.get(d.pairId) ?? emptyReview(), d));
  return out;
}

export function isReviewed(r: PairReview | undefined): boolean {
  return !!r && r.state !== 'unreviewed';
}

/** The pair as training should see it, or undefined when it must not train. */
export function pairForTraining(pair: PairRecord, r: PairReview | undefined, gate: boolean): { prompt: string; chosen: string; rejected: string } | undefined {
  const review = r ?? emptyReview();
  if (review.state === 'rejected') return undefined;
  if (gate && review.state === 'unreviewed') return undefined;
  let chosen = review.chosenText ?? pair.chosen.text;
  let rejected = review.rejectedText ?? pair.rejected.text;
  if (review.flipped) [chosen, rejected] = [rejected, chosen];
  return { prompt: pair.prompt, chosen, rejected };
}
