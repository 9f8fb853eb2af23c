import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureBudget, FailureBudgetError, classifyFailure } from '../../../remote/pipeline/failureBudget';

test('failure kinds are read from the recorded reasons', () => {
  assert.equal(classifyFailure('Connection error. (fetch failed)'), 'unreachable');
  assert.equal(classifyFailure('connection error: terminated'), 'unreachable');
  assert.equal(classifyFailure('RequestTimeoutError: request timed out after 800 ms'), 'timeout');
  assert.equal(classifyFailure('HTTP 401: 401 Incorrect API key provided'), 'auth');
  assert.equal(classifyFailure('HTTP 403: forbidden'), 'auth');
  assert.equal(classifyFailure('HTTP 404: 404 The model `m` does not exist.'), 'model_not_found');
  assert.equal(classifyFailure('HTTP 429: slow down'), 'rate_limited');
  assert.equal(classifyFailure('HTTP 503: overloaded'), 'server_error');
  assert.equal(classifyFailure('MalformedResponseError: malformed response: no "choices" array'), 'malformed');
  assert.equal(classifyFailure('HTTP 400: bad request'), 'refused');
  assert.equal(classifyFailure('something else'), 'other');
});

test('a budget allows floor(fraction × total) failures and aborts its signal with the most frequent cause on the next', () => {
  const b = new FailureBudget('judgments', 100, 0.05);
  assert.equal(b.allowed, 5);
  for (let i = 0; i < 4; i++) b.fail('Connection error. (fetch failed)');
  b.fail('HTTP 500: boom');
  assert.equal(b.signal.aborted, false, 'five of 100 is within 5 %');
  b.fail('Connection error. (fetch failed)');
  assert.equal(b.signal.aborted, true);
  const e = b.exceeded!;
  assert.ok(e instanceof FailureBudgetError);
  assert.match(e.message, /^judgments: 6 of 100 items failed, over the failure budget of 5 % \(5 items\): the inference server is down or unreachable/);
  assert.match(e.message, /Example: Connection error\. \(fetch failed\)/);
  const zero = new FailureBudget('prompts', 10, 0);
  zero.fail('HTTP 401: no');
  assert.match(zero.exceeded!.message, /^prompts: 1 of 10 items failed.*credentials/);
});
