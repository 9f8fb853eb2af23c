/**
 * `agent.js sim-train --model M --data DIR/train.jsonl --output-dir OUT [--beta 0.1] [--learning-rate 1e-6]
 *  [--epochs 1] [--batch-size 16] [--model-dir DIR] [--save-steps 200] [--seed 42]`
 * Trains the simulated policy with DPO on TRL preference rows and prints TRL-style progress lines on stdout.
 */
import { parseArgs } from 'node:util';
import { simTrain } from '../backends/sim/trainer';
import { UsageError, numberFlag } from './flags';

export const description = 'the simulated DPO trainer (TRL-style progress lines)';
export const usage = `usage: agent.js sim-train --model M --data DIR/train.jsonl --output-dir OUT [--beta 0.1] [--learning-rate 1e-6]
  [--epochs 1] [--batch-size 16] [--model-dir DIR] [--save-steps 200] [--seed 42]
`;

export async function main(argv: string[]): Promise<number> {
  let opts: Parameters<typeof simTrain>[0];
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        'output-dir': { type: 'string' },
        beta: { type: 'string' },
        'learning-rate': { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        'model-dir': { type: 'string' },
        'save-steps': { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    for (const req of ['model', 'data', 'output-dir'] as const) if (!values[req]) throw new UsageError(`--${req} is required`);
    const v = values as Record<string, unknown>;
    opts = {
      model: values.model!,
      data: values.data!,
      outputDir: values['output-dir']!,
      modelDir: values['model-dir'],
      beta: numberFlag(v, 'beta', { min: 0, exclusiveMin: true }),
      learningRate: numberFlag(v, 'learning-rate', { min: 0, exclusiveMin: true }),
      epochs: numberFlag(v, 'epochs', { min: 0, exclusiveMin: true }),
      batchSize: numberFlag(v, 'batch-size', { min: 1, integer: true }),
      saveSteps: numberFlag(v, 'save-steps', { min: 1, integer: true }),
      seed: numberFlag(v, 'seed', { integer: true }),
    };
  } catch (e) {
    process.stderr.write(`sim-train: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  const ctl = new AbortController();
  const stop = (): void => ctl.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const result = await simTrain({ ...opts, signal: ctl.signal, onLog: (line) => process.stdout.write(line + '\n') });
    process.stdout.write(`saved model to ${result.model}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`sim-train: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
