// run.json validation: defaults filled, every error names the file and the field.
import { describe, expect, it } from 'vitest';
import { parseRunSpec } from './run-spec';
import { stepPlan, resolveTrainingArguments } from './args';

const base = { model: 'm', dataset: { kind: 'image-tensors', path: 'd.safetensors', validation_split: 0.2 }, boft: { target_modules: ['fc1'] } };

describe('run.json', () => {
  it('fills TrainingArguments and BOFTConfig defaults', () => {
    const s = parseRunSpec(base, 'run.json');
    expect(s.training).toMatchObject({ seed: 42, learning_rate: 5e-5, lr_scheduler_type: 'linear', max_grad_norm: 1 });
    expect(s.boft.boft_block_size).toBe(4);
    expect(s.output_dir).toBe('runs/latest');
  });

  it('names the file, the field, the value and the valid choices', () => {
    expect(() => parseRunSpec({ ...base, dataset: { kind: 'parquet', path: 'x' } }, 'r.json')).toThrow("r.json: dataset.kind ='parquet' is not supported; valid: image-tensors, image-folder, text-classification, causal-lm");
    expect(() => parseRunSpec({ ...base, training: { learning_rte: 1 } }, 'r.json')).toThrow(/r\.json: unknown training argument\(s\) learning_rte; valid: seed, learning_rate/);
    expect(() => parseRunSpec({ ...base, training: { lr_scheduler_type: 'constant', warmup_steps: 5 } }, 'r.json')).toThrow("use 'constant_with_warmup'");
    expect(() => parseRunSpec({ ...base, boft: { boft_block_num: 8 } }, 'r.json')).toThrow(/^r\.json: .*boft_block_size/);
    expect(() => parseRunSpec({ ...base, dataset: { kind: 'causal-lm', format: 'text', path: 'a.txt', block_size: 1 } }, 'r.json')).toThrow('r.json: dataset.block_size =1 must be an integer >= 2');
    expect(() => parseRunSpec({ ...base, extra: 1 }, 'r.json')).toThrow('r.json: extra unknown');
  });

  it('counts optimizer steps as transformers does', () => {
    const a = resolveTrainingArguments({ num_train_epochs: 2, per_device_train_batch_size: 8, gradient_accumulation_steps: 3 });
    expect(stepPlan(a, 100)).toEqual({ batchesPerEpoch: 13, totalSteps: 8 });
    expect(stepPlan({ ...a, dataloader_drop_last: true }, 100)).toEqual({ batchesPerEpoch: 12, totalSteps: 8 });
    expect(stepPlan({ ...a, max_steps: 5 }, 100).totalSteps).toBe(5);
  });
});
