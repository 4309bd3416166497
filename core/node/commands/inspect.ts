// `boft inspect`: the module tree of a checkpoint (the names target_modules matches), and with
// an adapter config, which modules it selects, why each other one is not selected, and each
// selected layer's BOFT parameter count or the reason its geometry is invalid.
import { readFileSync } from 'node:fs';
import type { BOFTConfig } from '../../boft/config';
import { parseAdapterConfig } from '../../boft/config';
import { validateLayer, boftParamCount } from '../../boft/geometry';
import { adaptableKind, checkTargetModuleExists, resolveTargets } from '../../boft/inject';
import { modulesToSavePaths } from '../../boft/modules-to-save';
import type { Module } from '../../nn/module';
import { zooNamingFor } from '../../models/naming';
import { createModel } from '../../models/registry';
import { indexCheckpoint, readModelConfig } from '../checkpoint';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';

const usage = `usage: boft inspect <model-dir> [--config <adapter_config.json>]

Prints the module tree of the checkpoint in <model-dir> (names, types, in/out features, own
parameter shapes, parameter counts). With --config, marks each module selected or not, says
why not, and gives each selected layer's BOFT parameter count (or why its geometry is invalid).
Weights are not loaded; shapes come from config.json and are checked against the file headers.`;

function subtreeParams(m: Module): number {
  let n = 0;
  for (const [, p] of m.namedParameters()) n += p.size;
  return n;
}

function describe(path: string, m: Module): string {
  const info = m.info(path);
  const feats = info.inFeatures !== undefined ? ` in=${info.inFeatures} out=${info.outFeatures}` : '';
  const own = Object.entries(info.params).map(([k, s]) => `${k}[${s.join(',')}]`).join(' ');
  return `${path.split('.').pop() || '(root)'}: ${info.type}${feats}${own ? ` ${own}` : ''} (${subtreeParams(m).toLocaleString('en-US')} params)`;
}

export interface Selection {
  selected: boolean;
  /** Trainable BOFT parameters when selected with a valid geometry. */
  boftParams?: number;
  note: string;
}

/** Why a module is (not) selected: the matching rule that decided it, in PEFT's order. */
export function selectionOf(config: BOFTConfig, root: Module, path: string, aliases: (p: string) => string[]): Selection {
  const f = resolveTargets(config, root);
  const names = [path, ...aliases(path)];
  const results = names.map((k) => checkTargetModuleExists(f, k));
  if (results.includes('excluded')) {
    const saved = (config.modules_to_save ?? []).some((k) => modulesToSavePaths(root, k).some((p) => path === p || path.startsWith(`${p}.`)));
    return { selected: false, note: saved ? 'not selected: trained in full as modules_to_save' : 'not selected: excluded by exclude_modules' };
  }
  if (!results.includes('matched')) {
    const unfiltered = { ...f, layers_to_transform: null, layers_pattern: null };
    if (names.some((k) => checkTargetModuleExists(unfiltered, k) === 'matched')) {
      return { selected: false, note: `not selected: matches target_modules but its layer is not in layers_to_transform=${JSON.stringify(config.layers_to_transform)}` };
    }
    return { selected: false, note: 'not selected: no target_modules entry matches' };
  }
  const m = root.getSubmodule(path);
  const kind = adaptableKind(m);
  if (!kind) return { selected: true, note: `SELECTED but a ${m.typeName} cannot take BOFT (supported: Linear, Conv1D, Conv2d): loading would fail` };
  const v = validateLayer(path, kind.type, kind.d, config, kind.detail);
  if (!v.ok) return { selected: true, note: `SELECTED, invalid: ${v.message}` };
  const g = v.geometry;
  const n = boftParamCount(g, kind.out);
  return { selected: true, boftParams: n, note: `SELECTED: d=${g.d} k=${g.k} b=${g.b} m=${g.m}, ${n.toLocaleString('en-US')} BOFT params` };
}

export function inspectModel(modelDir: string, configPath: string | undefined, io: CliIO): void {
  const config = readModelConfig(modelDir);
  const model = createModel(config);
  try {
    const stored = indexCheckpoint(modelDir);
    const params = new Map(model.namedParameters());
    for (const [name, st] of stored) {
      const p = params.get(name);
      if (!p) io.err(`warning: ${st.file}: tensor '${name}' has no parameter in ${model.typeName}`);
      else if (p.shape.join(',') !== st.info.shape.join(',')) io.err(`warning: ${st.file}: '${name}' is [${st.info.shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
    }
    const adapter = configPath === undefined ? undefined : parseAdapterConfig(JSON.parse(readFileSync(configPath, 'utf8')), configPath);
    for (const w of adapter?.warnings ?? []) io.err(`warning: ${w}`);
    const aliases = zooNamingFor(config.model_type).aliases;
    let selected = 0;
    let boftParams = 0;
    for (const [path, m] of model.namedModules()) {
      const depth = path === '' ? 0 : path.split('.').length;
      let line = `${'  '.repeat(depth)}${describe(path, m)}`;
      const sel = adapter && path !== '' ? selectionOf(adapter.config, model, path, aliases) : undefined;
      if (sel && (sel.selected || adaptableKind(m))) line += `  <- ${sel.note}`;
      if (sel?.boftParams !== undefined) {
        selected += 1;
        boftParams += sel.boftParams;
      }
      io.out(line);
    }
    const total = subtreeParams(model);
    io.out(`total: ${total.toLocaleString('en-US')} parameters in ${stored.size} checkpoint tensors`);
    if (adapter) io.out(`BOFT: ${selected} layers selected, ${boftParams.toLocaleString('en-US')} trainable BOFT parameters (${((100 * boftParams) / total).toFixed(3)}% of the model)`);
  } finally {
    model.dispose();
  }
}

export const command: CliCommand = {
  name: 'inspect',
  summary: 'print a checkpoint\'s module tree, and what an adapter config selects',
  usage,
  async run(argv, io) {
    const { positionals, values } = parseCli(argv, { config: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError(`expected <model-dir>, got ${positionals.length} argument(s)`);
    inspectModel(positionals[0], typeof values.config === 'string' ? values.config : undefined, io);
    return 0;
  },
};
