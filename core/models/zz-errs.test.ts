import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { adapterTensors } from '../io/peft';
import { fromPretrained } from '../node/adapter-fs';
import { loadPretrainedModel, readInputTensors } from '../node/checkpoint';
import { inputsOf, maxRelError } from './fixture-helpers';
import { zooNamingFor } from './naming';
const F = join(__dirname, '..', 'testing', 'fixtures', 'models');
it('prints', async () => {
  let lo = 0, lg = 0, lm = 0;
  for (const a of ['vit', 'dinov2', 'bert', 'gpt2', 'llama', 'qwen2']) for (const c of readdirSync(join(F, a, 'adapters'))) {
    const { model, config } = loadPretrainedModel(join(F, a));
    const n = zooNamingFor(config.model_type);
    const bm = await fromPretrained(model, join(F, a, 'adapters', c), { nameMap: n.toModel, aliases: n.aliases, isTrainable: true });
    bm.eval();
    const io = readInputTensors(join(F, a, 'io.safetensors'));
    const ex = readInputTensors(join(F, a, 'adapters', c, 'expected.safetensors'));
    lo = Math.max(lo, maxRelError(model.forward(inputsOf(io, false)).logits, ex.get('logits_unmerged') as tf.Tensor));
    const live = adapterTensors(bm);
    const { grads } = tf.variableGrads(() => model.forward(inputsOf(io)).loss as tf.Scalar, [...live.values()] as tf.Variable[]);
    for (const k of [...ex.keys()].filter((x) => x.startsWith('grad.'))) lg = Math.max(lg, maxRelError(grads[(live.get(n.toModel(k.slice(5))) as tf.Variable).name], ex.get(k) as tf.Tensor));
    bm.merge();
    lm = Math.max(lm, maxRelError(model.forward(inputsOf(io, false)).logits, ex.get('logits_merged') as tf.Tensor));
    model.dispose();
  }
  console.log('ERRS', process.env.BOFT_TEST_BACKEND, 'unmerged', lo.toExponential(1), 'grad', lg.toExponential(1), 'merged', lm.toExponential(1));
});
