/**
 * The pairs review editor in real Chromium, driven by the keyboard, with the real host side (PairsSession +
 * PairsEditModel + LocalPairsBackend on a real pairs file) answering its messages through the fixture transport.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { deliver, openWebview, pageErrors, posted, screenshot } from '../helpers/browser';
import { tmpDir } from '../helpers/tmp';
import { makePair, writePairsFile } from '../helpers/pairsFixture';
import { LocalPairsBackend } from '../../src/pairs/backend';
import { PairsEditModel } from '../../src/pairs/model';
import { PairsSession } from '../../src/pairs/session';
import { readJsonl } from '../../remote/store/jsonl';
import { setQuiet } from '../../remote/log';
import type { PairDecision, PairRecord } from '../../remote/protocol';
import type { PairsToHost, PairsToWebview } from '../../webview/pairs/messages';

setQuiet(true);

const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload="window.__pwned=1"></svg>',
  '</textarea><img src=x onerror=window.__pwned=1>',
];

function writeFixture(file: string, n: number): void {
  writePairsFile(file, n);
  // Pairs 40..43 carry markup that would run script if it were ever parsed as HTML.
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as PairRecord);
  HOSTILE.forEach((payload, k) => {
    const p = lines[40 + k];
    p.prompt = `pwned prompt ${payload}`;
    p.chosen.text = `chosen ${payload}`;
    p.rejected.text = `rejected ${payload}`;
  });
  fs.writeFileSync(file, lines.map((p) => JSON.stringify(p)).join('\n') + '\n');
  // Judge samples of pair 0 beside it (one unparsed, one with markup in the justification).
  const j = (candidateId: string, sample: number, score: number | null, text: string) => ({ id: `${candidateId}-${sample}`, candidateId, promptId: 'q0', iteration: 1, sample, text, score, parseOk: score !== null, rubricHash: 'h' });
  fs.writeFileSync(
    file.replace(/\.pairs\.jsonl$/, '.judgments.jsonl'),
    [j('c0a', 0, 5, 'Thorough and correct. Score: 5'), j('c0a', 1, 4, `Good. ${HOSTILE[0]} Score: 4`), j('c0b', 0, null, 'I cannot rate this'), j('c0b', 1, 1, 'Vague. Score: 1')].map((x) => JSON.stringify(x)).join('\n') + '\n',
  );
}

/** Host side of one open editor: a session over the model, messages pumped between page and session. */
class Host {
  seen = 0;
  out: PairsToWebview[] = [];
  session: PairsSession;
  constructor(readonly page: Page, readonly model: PairsEditModel) {
    this.session = new PairsSession(model, (m) => this.out.push(JSON.parse(JSON.stringify(m))), { edited: () => undefined, undo: () => void model.undo(), redo: () => void model.redo() }, { title: 'test pairs', hostHandlesUndoKeys: false });
  }
  /** Run host ↔ page exchanges until both sides are quiet. */
  async pump(): Promise<void> {
    for (let quiet = 0, rounds = 0; quiet < 3 && rounds < 200; rounds++) {
      const msgs = await posted<PairsToHost>(this.page);
      const fresh = msgs.slice(this.seen);
      this.seen = msgs.length;
      for (const m of fresh) await this.session.handle(m);
      const out = this.out.splice(0);
      for (const m of out) await deliver(this.page, m);
      quiet = fresh.length || out.length ? 0 : quiet + 1;
      if (!fresh.length && !out.length) await new Promise((r) => setTimeout(r, 10));
    }
  }
  async key(k: string): Promise<void> {
    await this.page.keyboard.press(k);
    await this.pump();
  }
  async decides(): Promise<Extract<PairsToHost, { type: 'decide' }>[]> {
    return (await posted<PairsToHost>(this.page)).filter((m): m is Extract<PairsToHost, { type: 'decide' }> => m.type === 'decide');
  }
}

async function open(file: string): Promise<Host> {
  const page = await openWebview('pairs', { width: 1400, height: 900 });
  const host = new Host(page, new PairsEditModel(new LocalPairsBackend(file)));
  await host.pump();
  return host;
}

const text = (page: Page, sel: string): Promise<string> => page.locator(sel).innerText();

test('keyboard review of 20 pairs, undo/redo, filters, bulk, save + reopen, hostile text inert', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'review.pairs.jsonl');
  writeFixture(file, 60);
  const original = fs.readFileSync(file);
  const host = await open(file);
  const { page, model } = host;
  assert.equal(await text(page, '#progress-text'), 'Reviewed 0 of 60');
  assert.equal(await page.locator('#detail').getAttribute('data-id'), 'p0');

  // Justifications: the judge samples of both answers, on demand (s).
  await host.key('s');
  const just = await text(page, '#judgments');
  for (const t of ['Thorough and correct. Score: 5', `Good. ${HOSTILE[0]} Score: 4`, 'I cannot rate this', '✗ unparsed', 'Vague. Score: 1']) assert.ok(just.includes(t), `justifications show ${t}`);
  await host.key('s');
  assert.equal(await page.locator('#judgments').count(), 0);

  // Keyboard review: a (accept, next) / r (reject, next) / f (flip, stay) then j.
  const expected: { pairId: string; kind: string }[] = [];
  for (let i = 0; i < 20; i++) {
    assert.equal(await page.locator('#detail').getAttribute('data-id'), `p${i}`, `cursor on pair ${i}`);
    const kind = (['accept', 'reject', 'flip'] as const)[i % 3];
    await host.key(kind[0]);
    if (kind === 'flip') await host.key('j');
    expected.push({ pairId: `p${i}`, kind });
  }
  const decides = await host.decides();
  assert.deepEqual(decides.map((m) => m.decisions.map((d) => ({ pairId: d.pairId, kind: d.kind }))[0]), expected, 'one decide message per key, in order');
  assert.equal(model.pendingDecisions.length, 20);
  assert.equal(await text(page, '#progress-text'), 'Reviewed 20 of 60');
  assert.equal(await page.locator('#detail').getAttribute('data-id'), 'p20');

  // ↑ goes back; the flipped pair shows its answers swapped.
  for (let k = 0; k < 3; k++) await host.key('ArrowUp');
  assert.equal(await page.locator('#detail').getAttribute('data-id'), 'p17');
  assert.equal(await page.locator('#detail .side.chosen .text').innerText(), makePair(17).rejected.text);
  for (let k = 0; k < 3; k++) await host.key('ArrowDown');

  // Undo (u, Ctrl+Z) and redo (Ctrl+Shift+Z, Ctrl+Y).
  await host.key('u');
  assert.equal(model.current('p19').state, 'unreviewed');
  await host.key('Control+z');
  assert.equal(model.current('p18').state, 'unreviewed');
  assert.equal(await text(page, '#progress-text'), 'Reviewed 18 of 60');
  await host.key('Control+Shift+Z');
  assert.equal(model.current('p18').state, 'accepted');
  await host.key('Control+y');
  assert.equal(model.current('p19').state, 'rejected');
  assert.equal(await text(page, '#progress-text'), 'Reviewed 20 of 60');
  const undoMsgs = (await posted<PairsToHost>(page)).filter((m) => m.type === 'undo' || m.type === 'redo').map((m) => m.type);
  assert.deepEqual(undoMsgs, ['undo', 'undo', 'redo', 'redo']);

  // Help overlay lists the keys.
  await host.key('?');
  const help = await text(page, '#help');
  for (const k of ['j / ↓', 'a', 'r', 'f', 'e', 'n', 'u / Ctrl+Z', 'Ctrl+Shift+Z / Ctrl+Y']) assert.ok(help.includes(k), `help lists ${k}`);
  await host.key('Escape');
  assert.equal(await page.locator('#help').count(), 0);

  // Filters: parse failures (every pair i ≡ 3 mod 10), unreviewed, text, margin.
  await page.locator('#filter-parse').check();
  await host.pump();
  assert.equal(await text(page, '#matched'), '6 matching');
  const ids = await page.locator('.pair-list .row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  assert.deepEqual(ids, ['p3', 'p13', 'p23', 'p33', 'p43', 'p53']);
  await page.locator('#filter-unreviewed').check();
  await host.pump();
  assert.equal(await text(page, '#matched'), '4 matching', 'p3 and p13 are reviewed');
  // Bulk: reject every matching pair (one edit, undoable as one).
  await page.locator('#bulk-reject').click();
  await host.pump();
  for (const id of ['p23', 'p33', 'p43', 'p53']) assert.equal(model.current(id).state, 'rejected');
  await host.key('u');
  for (const id of ['p23', 'p33', 'p43', 'p53']) assert.equal(model.current(id).state, 'unreviewed', 'bulk undone as one edit');
  await host.key('Control+y');
  await page.locator('#filter-unreviewed').uncheck();
  await page.locator('#filter-parse').uncheck();
  await page.locator('#filter-min-margin').fill('3');
  await page.locator('#filter-min-margin').dispatchEvent('change');
  await host.pump();
  const margins = await page.locator('.pair-list .margin').allInnerTexts();
  assert.ok(margins.length > 0 && margins.every((m) => Number(m.slice(1)) >= 3), `margins ≥ 3: ${margins.join(' ')}`);
  await page.locator('#filter-min-margin').fill('');
  await page.locator('#filter-min-margin').dispatchEvent('change');
  await host.pump();

  // Hostile text: search for it, open each, edit and note with it — nothing runs, text shows literally.
  await page.locator('#filter-text').fill('pwned');
  await new Promise((r) => setTimeout(r, 300));
  await host.key('Escape'); // leave the search box: keys act on pairs again
  assert.equal(await text(page, '#matched'), '4 matching');
  for (let k = 0; k < HOSTILE.length; k++) {
    assert.equal(await page.locator('#prompt').innerText(), `pwned prompt ${HOSTILE[k]}`);
    await host.key('j');
  }
  await host.key('n');
  await page.locator('#note-text').fill(HOSTILE[0]);
  await host.key('Control+Enter');
  assert.equal(await text(page, '#note'), `Note: ${HOSTILE[0]}`);
  await host.key('e');
  await page.locator('#edit-chosen').fill(`edited ${HOSTILE[1]}`);
  await host.key('Control+Enter');
  assert.equal(await page.locator('#detail .side.chosen .text').innerText(), `edited ${HOSTILE[1]}`);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  assert.equal(await page.locator('#detail img, #detail svg image, #detail script').count(), 0);
  await screenshot(page, 'pairs-editor');

  // Save (what VS Code's Ctrl+S does), then close and reopen: the decisions are there, pairs.jsonl untouched.
  const edited = model.current('p43');
  const savedCount = await model.save();
  assert.ok(savedCount >= 26);
  assert.equal(model.dirty, false);
  const onDisk = readJsonl<PairDecision>(path.join(dir, 'review.decisions.jsonl'));
  assert.equal(onDisk.length, savedCount);
  assert.ok(original.equals(fs.readFileSync(file)), 'pairs file never modified');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
  model.backend.dispose();

  const again = await open(file);
  assert.equal(await text(again.page, '#progress-text'), 'Reviewed 24 of 60', '20 keyed + 4 bulk rejects');
  await again.key('j');
  assert.equal(await again.page.locator('#detail').getAttribute('data-id'), 'p1');
  assert.equal(await again.page.locator('#detail .state').innerText(), 'rejected');
  assert.deepEqual(again.model.current('p43'), edited, 'edit and note survive reopen');
  assert.deepEqual(pageErrors(again.page), []);
  await again.page.context().close();
  again.model.backend.dispose();
});

test('review gate in the editor: state shown, Complete review refused while unsaved, then completes the gate', async () => {
  const { RunStore } = await import('../../remote/store/runStore');
  const { validateConfig } = await import('../../remote/config/config');
  const { isReviewComplete } = await import('../../remote/review/gate');
  const { AgentPairsBackend } = await import('../../src/pairs/backend');
  const { inProcessAgent } = await import('../helpers/inProcessAgent');
  const dir = tmpDir();
  const store = new RunStore(path.join(dir, 'runs'));
  const run = store.create(validateConfig({ name: 'gate ui', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }], review: { gate: true } }), { agentVersion: 't', rubricText: 'r' });
  fs.mkdirSync(run.iterationDir(1), { recursive: true });
  writePairsFile(run.filePath(1, 'pairs'), 8);
  const agent = inProcessAgent(run, store);
  // Restored webview state (as after a reload): the parse-failure filter and the cursor come back.
  const page = await openWebview('pairs', { state: { filter: { withParseFailures: true }, offset: 0, cursor: 0, showDiff: false }, theme: 'light' });
  const host = new Host(page, new PairsEditModel(new AgentPairsBackend(() => agent, run.id, 1, path.join(dir, 'queue.jsonl'))));
  await host.pump();
  assert.equal(await page.locator('#detail').getAttribute('data-id'), 'p3', 'filter restored from webview state');
  assert.equal(await page.locator('#diff').count(), 0, 'diff hidden as restored');
  assert.equal(await text(page, '#gate-state'), 'Review gate: on — training waits for this review');
  await host.key('a');
  // Partial and unsaved: Complete review asks first, saying what it leaves out.
  await page.locator('#complete-review').click();
  await host.pump();
  await page.waitForSelector('#confirm');
  assert.equal(await text(page, '#confirm-text'), '1 of 8 pairs are reviewed. With the review gate on only reviewed pairs train: completing now trains on 1 pair and leaves 7 out (7 unreviewed, 0 rejected).');
  assert.match(await text(page, '#confirm'), /1 unsaved decision is saved first/);
  await page.locator('#cancel-complete').click();
  await host.pump();
  assert.equal(await page.locator('#confirm').count(), 0);
  assert.equal(isReviewComplete(run, 1), false, 'kept reviewing: nothing completed');
  assert.equal(host.model.dirty, true, 'nothing saved either');
  await page.locator('#complete-review').click();
  await host.pump();
  await page.locator('#confirm-complete').click();
  await host.pump();
  assert.equal(host.model.dirty, false, 'saved first');
  assert.equal(await text(page, '#gate-state'), 'Review gate: complete');
  assert.equal(await text(page, '#notice'), 'Review complete: 1 pair will train, 7 left out (0 rejected, 7 unreviewed).');
  // the notice is in view without scrolling (the header is sticky)
  const box = await page.locator('#notice').boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= (page.viewportSize()?.height ?? 0), `notice in the viewport: ${JSON.stringify(box)}`);
  assert.equal(isReviewComplete(run, 1), true);
  assert.deepEqual((await posted<PairsToHost>(page)).filter((m) => m.type === 'completeReview').map((m) => (m as { confirmed?: boolean }).confirmed), [undefined, undefined, true]);
  await screenshot(page, 'pairs-editor-gate-light');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
  run.close();
});

test('half width: the list stacks above the pair, prompts stay readable; unrelated answers get no word diff', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'narrow.pairs.jsonl');
  writePairsFile(file, 6);
  const page = await openWebview('pairs', { width: 640, height: 900 });
  const host = new Host(page, new PairsEditModel(new LocalPairsBackend(file)));
  await host.pump();
  const cols = await page.evaluate(() => getComputedStyle(document.querySelector('.body')!).gridTemplateColumns.split(' ').length);
  assert.equal(cols, 1, 'one column');
  const snippet = await page.locator('.pair-list .row .snippet').first().boundingBox();
  assert.ok(snippet && snippet.width > 200, `prompt snippet ${snippet?.width}px wide`);
  const sides = await page.evaluate(() => getComputedStyle(document.querySelector('.sides')!).gridTemplateColumns.split(' ').length);
  assert.equal(sides, 1, 'answers stacked');
  // the fixture's chosen and rejected answers share their filler text: diffed
  assert.equal(await page.locator('#diff .d-same').count() > 0, true);
  await screenshot(page, 'pairs-editor-narrow');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();

  const far = path.join(dir, 'far.pairs.jsonl');
  const p = makePair(0);
  p.chosen.text = 'Photosynthesis turns light into chemical energy in the chloroplasts of plants.';
  p.rejected.text = 'To bake bread, mix flour, water and yeast, then knead the dough and let it rise.';
  fs.writeFileSync(far, JSON.stringify(p) + '\n');
  const page2 = await openWebview('pairs', { width: 1200, height: 800 });
  const host2 = new Host(page2, new PairsEditModel(new LocalPairsBackend(far)));
  await host2.pump();
  assert.match(await text(page2, '#diff-skipped'), /share \d+ % of their words: too different for a word diff/);
  assert.equal(await page2.locator('#diff .d-del').count(), 0);
  await page2.locator('#diff-anyway').click();
  assert.ok((await page2.locator('#diff .d-del').count()) > 0, 'shown on request');
  assert.deepEqual(pageErrors(page2), []);
  await page2.context().close();
});

test('first paint before the toolkit: p0 is drawn with the toolkit elements not yet defined, which then upgrade in place under the CSP nonce', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'paint.pairs.jsonl');
  writePairsFile(file, 120);
  const page = await openWebview('pairs', {
    width: 1400,
    height: 900,
    beforeLoad: (p) =>
      p.addInitScript(() => {
        const w = window as unknown as { __firstPaint?: { toolkitDefined: boolean; nextPage: { w: number; h: number; x: number } | null }; __cspViolations: string[] };
        w.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
        new MutationObserver((_, obs) => {
          if (!document.querySelector('#detail[data-id="p0"]')) return;
          obs.disconnect();
          const b = document.querySelector('#next-page')?.getBoundingClientRect();
          w.__firstPaint = { toolkitDefined: customElements.get('vscode-button') !== undefined, nextPage: b ? { w: b.width, h: b.height, x: b.x } : null };
        }).observe(document, { subtree: true, childList: true, attributes: true });
      }),
  });
  const host = new Host(page, new PairsEditModel(new LocalPairsBackend(file)));
  await host.pump();
  const first = await page.evaluate(() => (window as unknown as { __firstPaint: { toolkitDefined: boolean; nextPage: { w: number; h: number; x: number } | null } }).__firstPaint);
  assert.equal(first.toolkitDefined, false, 'the first page is on screen before the toolkit bundle has run');
  assert.ok(first.nextPage, 'page buttons drawn with the first page');
  // The toolkit bundle follows the first paint, loaded with the page's nonce (a CSP refusal would leave it undefined).
  await page.waitForFunction(() => customElements.get('vscode-button') !== undefined && customElements.get('vscode-badge') !== undefined, undefined, { timeout: 20_000 });
  assert.ok(await page.evaluate(() => document.querySelector('#next-page')!.shadowRoot !== null), 'buttons upgraded');
  // (The toolkit itself tries one inline <style> that the CSP refuses, eager or late alike; no script is refused.)
  assert.deepEqual((await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).filter((v) => v.startsWith('script')), []);
  const after = await page.evaluate(() => {
    const b = document.querySelector('#next-page')!.getBoundingClientRect();
    return { w: b.width, h: b.height, x: b.x };
  });
  // Drawn like the toolkit draws them: the upgrade moves nothing by more than a pixel or two.
  for (const k of ['w', 'h', 'x'] as const) assert.ok(Math.abs(after[k] - first.nextPage![k]) <= 2, `#next-page ${k}: ${first.nextPage![k]} before, ${after[k]} after the upgrade`);
  // And the upgraded buttons work: › goes to the next page.
  await page.locator('#next-page').click();
  await host.pump();
  assert.equal(await page.locator('#detail').getAttribute('data-id'), 'p50');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});
