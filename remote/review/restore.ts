/**
 * The decisions that bring a pair back to an earlier review state: what undo appends once the decision it undoes is
 * already saved (the decisions log is append-only, so undo is a compensating entry, never a deletion).
 */
import type { PairDecision, PairReviewView } from '../protocol';

type Draft = Omit<PairDecision, 'pairId' | 'ts' | 'id'>;

export function decisionsToRestore(before: PairReviewView, current: PairReviewView): Draft[] {
  // `clear` resets state, flip and edits (it keeps the note); then rebuild what `before` had, ending with the
  // decision that sets its state (see applyDecision in decisions.ts).
  const out: Draft[] = [{ kind: 'clear' }];
  if ((before.note ?? '') !== (current.note ?? '')) out.push({ kind: 'note', note: before.note ?? '' });
  const texts = before.chosenText !== undefined || before.rejectedText !== undefined;
  const edit = (): Draft => {
    const e: Draft = { kind: 'edit' };
    if (before.chosenText !== undefined) e.chosenText = before.chosenText;
    if (before.rejectedText !== undefined) e.rejectedText = before.rejectedText;
    return e;
  };
  switch (before.state) {
    case 'unreviewed':
      break;
    case 'accepted':
      out.push({ kind: 'accept' });
      break;
    case 'rejected':
      if (texts) out.push(edit());
      if (before.flipped) out.push({ kind: 'flip' });
      out.push({ kind: 'reject' });
      break;
    case 'flipped':
      if (texts) out.push(edit());
      out.push({ kind: 'flip' });
      if (!before.flipped) out.push({ kind: 'flip' });
      break;
    case 'edited':
      if (before.flipped) out.push({ kind: 'flip' });
      out.push(edit());
      break;
  }
  return out;
}
