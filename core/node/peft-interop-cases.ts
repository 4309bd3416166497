// BOFT adapters with non-identity weights (init_weights=false: boft_R ~ N(0, 0.1), boft_s ~ N(1, 0.1))
// on the zoo fixtures, saved in PEFT's format together with our logits, for Python PEFT to load:
// core/node/peft-interop.test.ts (CPU, PEFT's m > 1 through the stand-in) and
// core/tools/peft-load-check.py --cuda (a GPU machine, PEFT's real CUDA extension).
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BOFTConfig, type BOFTConfigInput } from '../boft/config';
import { getPeftModel } from '../boft/model';
import { tensorsToSafetensors } from '../io/safetensors';
import { savePretrained } from './adapter-fs';
import { loadPretrainedModel, readInputTensors } from './checkpoint';
import { disposeMap, inputsOf } from '../models/fixture-helpers';
import { zooNamingFor } from '../models/naming';

export type InteropTask = 'sequence-classification' | 'causal-lm';
export interface InteropCase { name: string; arch: string; task: InteropTask; boft: BOFTConfigInput & { boft_n_butterfly_factor: number } }

export const INTEROP_CASES: InteropCase[] = [
  { name: 'bert_m1', arch: 'bert', task: 'sequence-classification', boft: { target_modules: ['query', 'value'], boft_block_size: 4, boft_n_butterfly_factor: 1 } },
  { name: 'bert_m2', arch: 'bert', task: 'sequence-classification', boft: { target_modules: ['query', 'key', 'output.dense'], boft_block_size: 0, boft_block_num: 4, boft_n_butterfly_factor: 2 } },
  { name: 'llama_m2', arch: 'llama', task: 'causal-lm', boft: { target_modules: ['q_proj', 'v_proj', 'down_proj'], boft_block_size: 2, boft_n_butterfly_factor: 2 } },
];

/** One entry of the cases.json that peft-load-check.py reads. */
export interface InteropJob { model_dir: string; task: InteropTask; adapter_dir: string; m: number; inputs: string; out: string; ours: string }

/**
 * Saves every case's adapter and our logits (`<name>.ours.safetensors`, key `logits`) under dir,
 * and writes dir/cases.json; paths in it are relative to `base` when given (a copy of the
 * checkout elsewhere), else absolute.
 */
export async function writeInteropCases(dir: string, fixtures: string, base?: string): Promise<{ jobs: InteropJob[]; ours: Map<string, Float32Array> }> {
  const rel = (p: string): string => (base === undefined ? p : relative(base, p));
  const ours = new Map<string, Float32Array>();
  const jobs: InteropJob[] = [];
  for (const c of INTEROP_CASES) {
    const { model, config } = loadPretrainedModel(join(fixtures, c.arch));
    const bm = getPeftModel(model, new BOFTConfig({ ...c.boft, init_weights: false }), 'default', { seed: 31 });
    bm.eval();
    await savePretrained(bm, join(dir, c.name), 'default', zooNamingFor(config.model_type).toFile);
    const inputs = join(fixtures, c.arch, 'io-inputs.safetensors');
    const io = readInputTensors(inputs);
    const logits = model.forward(inputsOf(io, false)).logits;
    ours.set(c.name, logits.dataSync() as Float32Array);
    const oursPath = join(dir, `${c.name}.ours.safetensors`);
    writeFileSync(oursPath, await tensorsToSafetensors(new Map([['logits', logits]])));
    logits.dispose();
    disposeMap(io);
    model.dispose();
    jobs.push({
      model_dir: rel(join(fixtures, c.arch)), task: c.task, adapter_dir: rel(join(dir, c.name)), m: c.boft.boft_n_butterfly_factor,
      inputs: rel(inputs), out: rel(join(dir, `${c.name}.peft.safetensors`)), ours: rel(oursPath),
    });
  }
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(jobs, null, 2));
  return { jobs, ours };
}
