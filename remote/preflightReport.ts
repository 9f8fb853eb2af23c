/**
 * The human form of preflight results, shared by `agent.js preflight` and the VS Code command (dependency-free so the
 * extension bundle can import it).
 */
import type { PreflightCheck } from './protocol';

/** The human table: status, name, detail, and the fix under each problem. */
export function formatPreflight(r: { checks: PreflightCheck[]; ok: boolean }): string {
  const w = Math.max(...r.checks.map((c) => c.name.length));
  const lines = r.checks.map((c) => {
    const status = c.ok ? 'ok  ' : c.required === false ? 'info' : 'FAIL';
    return `${status}  ${c.name.padEnd(w)}  ${c.detail}` + (!c.ok && c.fix ? `\n      ${''.padEnd(w)}  fix: ${c.fix}` : '');
  });
  const bad = r.checks.filter((c) => !c.ok && c.required !== false).length;
  lines.push('', r.ok ? 'preflight: ready' : `preflight: ${bad} problem${bad === 1 ? '' : 's'} to fix`);
  return lines.join('\n') + '\n';
}
