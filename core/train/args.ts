// Training hyperparameters, named as transformers' TrainingArguments so run.json, the
// exported PEFT job and the studio speak the same language.

export type LrSchedulerType = 'constant' | 'constant_with_warmup' | 'linear' | 'cosine';
export const LR_SCHEDULER_TYPES: readonly LrSchedulerType[] = ['constant', 'constant_with_warmup', 'linear', 'cosine'];

export type BestMetric = 'eval_loss' | 'eval_accuracy';

export interface TrainingArguments {
  seed: number;
  learning_rate: number;
  /** Used when max_steps is -1. */
  num_train_epochs: number;
  /** Optimizer steps; -1 derives it from num_train_epochs. */
  max_steps: number;
  per_device_train_batch_size: number;
  per_device_eval_batch_size: number;
  gradient_accumulation_steps: number;
  weight_decay: number;
  adam_beta1: number;
  adam_beta2: number;
  adam_epsilon: number;
  /** Clip by global norm when > 0 (transformers' convention). */
  max_grad_norm: number;
  lr_scheduler_type: LrSchedulerType;
  warmup_steps: number;
  logging_steps: number;
  /** Evaluate every N optimizer steps; 0 = only at the end. */
  eval_steps: number;
  /** Checkpoint every N optimizer steps; 0 = only on cancel/finish. */
  save_steps: number;
  save_total_limit: number;
  /** Stop after this many evaluations without improvement; 0 = off. */
  early_stopping_patience: number;
  early_stopping_threshold: number;
  metric_for_best_model: BestMetric;
  dataloader_drop_last: boolean;
  /** Per-layer BOFT diagnostics every N steps; 0 = off. */
  diagnostics_steps: number;
}

export const TRAINING_DEFAULTS: Readonly<TrainingArguments> = Object.freeze({
  seed: 42,
  learning_rate: 5e-5,
  num_train_epochs: 3,
  max_steps: -1,
  per_device_train_batch_size: 8,
  per_device_eval_batch_size: 8,
  gradient_accumulation_steps: 1,
  weight_decay: 0,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  adam_epsilon: 1e-8,
  max_grad_norm: 1,
  lr_scheduler_type: 'linear',
  warmup_steps: 0,
  logging_steps: 1,
  eval_steps: 0,
  save_steps: 0,
  save_total_limit: 2,
  early_stopping_patience: 0,
  early_stopping_threshold: 0,
  metric_for_best_model: 'eval_loss',
  dataloader_drop_last: false,
  diagnostics_steps: 0,
});

type NumericKey = { [K in keyof TrainingArguments]: TrainingArguments[K] extends number ? K : never }[keyof TrainingArguments];

const INT_MIN: Partial<Record<NumericKey, number>> = {
  per_device_train_batch_size: 1, per_device_eval_batch_size: 1, gradient_accumulation_steps: 1,
  warmup_steps: 0, logging_steps: 1, eval_steps: 0, save_steps: 0, save_total_limit: 1,
  early_stopping_patience: 0, diagnostics_steps: 0, seed: 0,
};

/** Fills defaults and validates; unknown keys are refused so a typo never goes unnoticed. */
export function resolveTrainingArguments(input: Partial<TrainingArguments> & Record<string, unknown>): TrainingArguments {
  const unknown = Object.keys(input).filter((k) => !(k in TRAINING_DEFAULTS));
  if (unknown.length) throw new Error(`unknown training argument(s) ${unknown.join(', ')}; valid: ${Object.keys(TRAINING_DEFAULTS).join(', ')}`);
  const a = { ...TRAINING_DEFAULTS, ...input } as TrainingArguments;
  for (const [k, min] of Object.entries(INT_MIN) as [NumericKey, number][]) {
    if (!Number.isInteger(a[k]) || a[k] < min) throw new Error(`${k}=${String(a[k])} must be an integer >= ${min}`);
  }
  if (!(a.learning_rate > 0)) throw new Error(`learning_rate=${a.learning_rate} must be > 0`);
  if (!(a.max_steps === -1 || (Number.isInteger(a.max_steps) && a.max_steps > 0))) throw new Error(`max_steps=${a.max_steps} must be -1 or a positive integer`);
  if (a.max_steps === -1 && !(a.num_train_epochs > 0)) throw new Error(`num_train_epochs=${a.num_train_epochs} must be > 0 when max_steps is -1`);
  if (!LR_SCHEDULER_TYPES.includes(a.lr_scheduler_type)) {
    throw new Error(`lr_scheduler_type='${String(a.lr_scheduler_type)}' is not supported; valid: ${LR_SCHEDULER_TYPES.join(', ')}`);
  }
  if (a.lr_scheduler_type === 'constant' && a.warmup_steps > 0) {
    throw new Error(`lr_scheduler_type='constant' ignores warmup_steps=${a.warmup_steps} (as in transformers); use 'constant_with_warmup' or warmup_steps=0`);
  }
  if (a.metric_for_best_model !== 'eval_loss' && a.metric_for_best_model !== 'eval_accuracy') {
    throw new Error(`metric_for_best_model='${String(a.metric_for_best_model)}'; valid: eval_loss, eval_accuracy`);
  }
  if (a.early_stopping_patience > 0 && a.eval_steps === 0) throw new Error(`early_stopping_patience=${a.early_stopping_patience} needs eval_steps > 0`);
  if (a.max_grad_norm < 0 || a.weight_decay < 0) throw new Error(`max_grad_norm=${a.max_grad_norm} and weight_decay=${a.weight_decay} must be >= 0`);
  return a;
}

/** Micro-batches per epoch and optimizer steps in total, as transformers' Trainer counts them. */
export function stepPlan(a: TrainingArguments, numExamples: number): { batchesPerEpoch: number; totalSteps: number } {
  const bs = a.per_device_train_batch_size;
  const batchesPerEpoch = a.dataloader_drop_last ? Math.floor(numExamples / bs) : Math.ceil(numExamples / bs);
  if (batchesPerEpoch < 1) throw new Error(`${numExamples} training examples make no batch of ${bs} (dataloader_drop_last=${a.dataloader_drop_last})`);
  const perEpoch = Math.max(1, Math.floor(batchesPerEpoch / a.gradient_accumulation_steps));
  const totalSteps = a.max_steps > 0 ? a.max_steps : Math.ceil(a.num_train_epochs * perEpoch);
  return { batchesPerEpoch, totalSteps };
}
