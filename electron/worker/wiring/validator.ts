// config.validate on core/boft: PEFT's matching rules (matchTargets) pick the layers, and
// core/boft/geometry judges each one. Nothing here re-implements BOFT rules; it only
// reshapes core's answers into the contract's per-layer report.
import { BOFTConfig, BOFT_DEFAULTS, type BOFTConfigFields } from '../../../core/boft/config';
import { boftParamCount, nearest, validateLayer, validBlockNums, validBlockSizes } from '../../../core/boft/geometry';
import { matchTargets, type MatchedTarget } from '../../../core/boft/inject';
import { countParameters, type Module } from '../../../core/nn/module';
import type { BlockChoice, BoftConfigInput, LayerValidation, ValidationReport } from '../../shared/schemas';
import type { ConfigValidator } from '../ports';

const FP32_BYTES = 4;

/** The field a core config error names (its messages start 'BOFTConfig: <field>=...'). */
function fieldOf(message: string): string {
  const m = /BOFTConfig: ([a-z_]+)/.exec(message);
  return m ? m[1] : 'config';
}

function mergedFields(input: BoftConfigInput): BOFTConfigFields {
  const fields = { ...BOFT_DEFAULTS } as BOFTConfigFields;
  for (const [k, v] of Object.entries(input)) if (v !== undefined && k in fields) (fields as unknown as Record<string, unknown>)[k] = v;
  return fields;
}

function suggestions(t: MatchedTarget, f: BOFTConfigFields): BlockChoice[] {
  const m = f.boft_n_butterfly_factor;
  const byNum = f.boft_block_size === 0 && f.boft_block_num !== 0;
  const pool = byNum ? validBlockNums(t.d, m) : validBlockSizes(t.d, m);
  const given = byNum ? f.boft_block_num : f.boft_block_size;
  return nearest(pool, given).map((v) => {
    const b = byNum ? t.d / v : v;
    return {
      boft_block_size: byNum ? 0 : v,
      boft_block_num: byNum ? v : 0,
      boft_n_butterfly_factor: m,
      boftParams: boftParamCount({ d: t.d, k: t.d / b, b, m }, t.outFeatures),
    };
  });
}

function judge(t: MatchedTarget, f: BOFTConfigFields): LayerValidation {
  const base = { path: t.path, type: t.type, inFeatures: t.d, outFeatures: t.outFeatures };
  const v = validateLayer(t.path, t.type, t.d, f, t.detail);
  if (v.ok) {
    return { ...base, status: 'valid', blockSize: v.geometry.b, blockNum: v.geometry.k, boftParams: boftParamCount(v.geometry, t.outFeatures) };
  }
  return { ...base, status: 'invalid', reason: v.message, suggestions: suggestions(t, f) };
}

export function validateConfig(root: Module, input: BoftConfigInput): ValidationReport {
  const configErrors: { field: string; message: string }[] = [];
  try {
    new BOFTConfig(input);
  } catch (e) {
    configErrors.push({ field: fieldOf((e as Error).message), message: (e as Error).message });
  }
  const fields = mergedFields(input);
  let targets: MatchedTarget[] = [];
  try {
    targets = matchTargets(fields, root);
  } catch (e) {
    configErrors.push({ field: 'target_modules', message: (e as Error).message });
  }
  const layers = targets.map((t) => judge(t, fields));
  const totalBoftParams = layers.reduce((s, l) => s + (l.status === 'valid' ? l.boftParams : 0), 0);
  const baseParams = countParameters(root);
  return {
    configErrors,
    layers,
    totalBoftParams,
    baseParams,
    trainableShare: totalBoftParams === 0 ? 0 : totalBoftParams / (baseParams + totalBoftParams),
    adapterBytes: totalBoftParams * FP32_BYTES,
  };
}

export const coreConfigValidator: ConfigValidator = { validate: validateConfig };
