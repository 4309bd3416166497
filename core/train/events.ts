// The trainer's event stream: what the CLI prints, metrics.jsonl stores and the studio charts.

export interface LayerDiagnostics {
  /** Dotted path of the adapted layer. */
  path: string;
  adapter: string;
  /** ‖Q − I‖_F over all m·k blocks of the adapter's rotation factors. */
  qMinusI: number;
  /** max |QᵀQ − I| of the fp32 Q actually used in the forward. */
  orthError: number;
  /** RMS of boft_s − 1 (its drift from the identity scale). */
  sDrift: number;
}

export interface EvalMetrics {
  eval_loss: number;
  /** Classification only. */
  eval_accuracy?: number;
  /** Causal LM only: exp(eval_loss). */
  eval_perplexity?: number;
  eval_samples: number;
}

export type TrainEvent =
  | { type: 'start'; totalSteps: number; step: number; trainableParams: number; totalParams: number; numExamples: number; resumed: boolean }
  | { type: 'step'; step: number; totalSteps: number; epoch: number; loss: number; lr: number; gradNorm: number; samplesPerSec: number; stepMs: number; etaSec: number }
  | { type: 'eval'; step: number; metrics: EvalMetrics }
  | { type: 'diagnostics'; step: number; layers: LayerDiagnostics[] }
  | { type: 'checkpoint'; step: number; name: string; location: string }
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'early-stop'; step: number; metric: string; best: number }
  | { type: 'done'; step: number; reason: 'completed' | 'early-stopped' }
  | { type: 'cancelled'; step: number; checkpoint: string | null }
  | { type: 'error'; step: number; message: string };

export type TrainEventListener = (e: TrainEvent) => void;
