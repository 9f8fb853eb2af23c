/**
 * After a crash, a record can be durable in its JSONL file while its event never reached events.jsonl (the process
 * died between the two appends). On resume, one pass over the event log collects the record ids that have events,
 * and the missing ones are emitted from the files, so every client's stream holds every record exactly once.
 */
import type { RunEvent, RunEventBody } from '../protocol';
import { RECORD_EVENT, type IterationFileName, type RecordFileName, type Run } from '../store/runStore';
import { forEachJsonl } from '../store/jsonl';
import { warn } from '../log';

const RECORD_EVENTS = Object.fromEntries(Object.entries(RECORD_EVENT).map(([file, type]) => [type, file])) as { [F in RecordFileName as (typeof RECORD_EVENT)[F]]: F };
type RecordEventType = keyof typeof RECORD_EVENTS;

/** Emit the record events of iteration t that are missing from the event log. Returns how many were emitted. */
export function reemitLostRecordEvents(run: Run, t: number): number {
  const seen = new Set<string>();
  forEachJsonl<RunEvent>(run.events.file, (ev) => {
    if (ev.type in RECORD_EVENTS) {
      const rec = (ev as RunEvent & { record: { id: string; iteration: number } }).record;
      if (rec.iteration === t) seen.add(`${ev.type}:${rec.id}`);
    }
  });
  let emitted = 0;
  for (const [type, file] of Object.entries(RECORD_EVENTS) as [RecordEventType, IterationFileName][]) {
    forEachJsonl<{ id: string }>(run.filePath(t, file), (record) => {
      if (seen.has(`${type}:${record.id}`)) return;
      run.emit({ type, record } as RunEventBody);
      emitted++;
    });
  }
  if (emitted) warn(`iteration ${t}: re-emitted ${emitted} record event(s) lost when the agent stopped abruptly`);
  return emitted;
}
