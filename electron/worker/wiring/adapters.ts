// Adapter operations on core/boft's BOFTModel, and PEFT-format files through core/node's
// adapter-fs. Every numeric step is core's; this maps its answers onto the contract.
import { readdir, rm, stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { BOFTConfig, BOFT_CONFIG_KEYS } from '../../../core/boft/config';
import { getPeftModel, type BOFTModel } from '../../../core/boft/model';
import { adapterNamingFor, type AdapterNaming } from '../../../core/io/peft';
import { fromPretrained, loadAdapter, savePretrained } from '../../../core/node/adapter-fs';
import { mergeCheckpoint } from '../../../core/node/commands/merge';
import { measureMerge } from './agreement';
import { sampleHeldOut, type HeldOutSource } from './held-out';
import { PretrainedModel } from '../../../core/models/types';
import type { DatasetSpec as CoreDataset } from '../../../core/train/run-spec';
import type { Module } from '../../../core/nn/module';
import { StudioError } from '../../shared/contract';
import { throwIfCancelled } from '../../shared/dispatcher';
import type { AdapterInfo, BoftConfigInput } from '../../shared/schemas';
import type { AdapterEngine, AdapterEngineFactory, ExportProgress, ExportResult, LoadedModel, MergeAgreement } from '../ports';

type Origin = AdapterInfo['origin'];

/** Core errors are plain Errors with a full explanation; they become INVALID_CONFIG results. */
function core<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError('INVALID_CONFIG', `${what}: ${(e as Error).message}`);
  }
}

export class CoreAdapters implements AdapterEngine {
  private bm: BOFTModel | null = null;
  private readonly origins = new Map<string, Origin>();
  private readonly naming: AdapterNaming;

  /** `heldOut`: the validation batch of the merge check; training replaces it with its run's split. */
  constructor(private readonly model: LoadedModel, private heldOut: HeldOutSource | null = null) {
    this.naming = adapterNamingFor(model.modelType);
  }

  /** The split a run trained with: its validation examples are the held-out batch from now on. */
  useHeldOut(source: HeldOutSource | null): void {
    this.heldOut = source;
  }

  /** The wrapped model, for the trainer; null until an adapter exists. */
  get peftModel(): BOFTModel | null {
    return this.bm;
  }

  /** Adds a fresh adapter (init per config) and activates it; used by training. */
  addAdapter(name: string, input: BoftConfigInput, runId: string): BOFTModel {
    const config = core('invalid BOFT config', () => new BOFTConfig(input));
    core(`cannot add adapter '${name}'`, () => {
      if (this.bm) {
        this.bm.addAdapter(name, config);
        this.bm.setAdapter(name);
      } else {
        this.bm = getPeftModel(this.model.root, config, name);
      }
    });
    this.origins.set(name, { kind: 'trained', runId });
    return this.bm as BOFTModel;
  }

  list(): AdapterInfo[] {
    const bm = this.bm;
    if (!bm) return [];
    const layers = bm.boftLayers();
    return bm.listAdapters().map((a) => ({
      name: a.name,
      active: a.active,
      merged: a.mergedLayers > 0,
      config: contractConfig(bm.peftConfig.get(a.name)),
      numParams: a.boftParams,
      targetPaths: layers.filter(([, l]) => l.hasAdapter(a.name)).map(([p]) => p),
      origin: this.origins.get(a.name) ?? { kind: 'new' },
    }));
  }

  async load(path: string, adapterName: string, signal: AbortSignal): Promise<void> {
    const dir = resolve(path);
    throwIfCancelled(signal, 'loading the adapter');
    try {
      if (this.bm) await loadAdapter(this.bm, dir, adapterName, { nameMap: this.naming.toModel });
      else this.bm = await fromPretrained(this.model.root, dir, { adapterName, nameMap: this.naming.toModel });
    } catch (e) {
      throw new StudioError('INVALID_CONFIG', `cannot load adapter from ${dir}: ${(e as Error).message}`);
    }
    this.origins.set(adapterName, { kind: 'loaded', path: dir });
  }

  activate(names: string[]): void {
    const bm = this.need();
    core('cannot activate', () => bm.setAdapter(names));
  }

  /**
   * Merging exactly the active adapters must not change outputs: that is measured. Merging
   * another set changes them by design, so no agreement is reported then.
   */
  async merge(names: string[] | undefined, safeMerge: boolean): Promise<MergeAgreement | null> {
    const bm = this.need();
    const doMerge = (): void => core('merge failed', () => bm.merge(names, safeMerge));
    if (!sameSet(names ?? bm.activeAdapters, bm.activeAdapters)) {
      doMerge();
      return null;
    }
    return measureMerge(bm.model, doMerge, this.heldOut);
  }

  unmerge(): void {
    const bm = this.need();
    core('unmerge failed', () => bm.unmerge());
  }

  async mergeAndUnload(names: string[] | undefined, safeMerge: boolean): Promise<{ agreement: MergeAgreement | null; root: Module }> {
    const bm = this.need();
    let root: Module = bm.model;
    const doIt = (): void => {
      root = core('merge-and-unload failed', () => bm.mergeAndUnload({ adapterNames: names, safeMerge }));
    };
    const agreement = sameSet(names ?? bm.activeAdapters, bm.activeAdapters) ? measureMerge(bm.model, doIt, this.heldOut) : (doIt(), null);
    this.bm = null;
    this.origins.clear();
    return { agreement, root };
  }

  unload(): Module {
    const root = this.need().unload();
    this.bm = null;
    this.origins.clear();
    return root;
  }

  delete(name: string): void {
    const bm = this.need();
    core(`cannot delete adapter '${name}'`, () => bm.deleteAdapter(name));
    this.origins.delete(name);
  }

  async exportAdapter(name: string, dir: string, progress: ExportProgress, signal: AbortSignal): Promise<ExportResult> {
    const bm = this.need();
    if (!bm.peftConfig.has(name)) throw new StudioError('NOT_FOUND', `no adapter '${name}'`, { adapters: [...bm.peftConfig.keys()] });
    const out = resolve(dir);
    progress('serialize', 0, 1);
    throwIfCancelled(signal, 'the export');
    await savePretrained(bm, out, name, this.naming.toFile);
    progress('serialize', 1, 1);
    return describeDir(out);
  }

  /**
   * A plain Hugging Face checkpoint with the adapters folded in, written by core's
   * `boft merge` path from the checkpoint folder and the adapters saved in PEFT format,
   * so the studio's own model is never changed by an export.
   */
  async exportMerged(dir: string, names: string[] | undefined, safeMerge: boolean, progress: ExportProgress, signal: AbortSignal): Promise<ExportResult> {
    const bm = this.need();
    const modelDir = this.model.dir;
    if (!modelDir) throw new StudioError('UNSUPPORTED', `model ${this.model.name} was not loaded from a checkpoint folder`);
    const chosen = names ?? bm.activeAdapters;
    for (const n of chosen) if (!bm.peftConfig.has(n)) throw new StudioError('NOT_FOUND', `no adapter '${n}'`, { adapters: [...bm.peftConfig.keys()] });
    const out = resolve(dir);
    const staging = join(out, '.boft-merge-adapters');
    const steps = chosen.length + 1;
    try {
      for (const [i, n] of chosen.entries()) {
        throwIfCancelled(signal, 'the export');
        progress('adapters', i, steps);
        await savePretrained(bm, join(staging, n), n, this.naming.toFile);
      }
      throwIfCancelled(signal, 'the export');
      progress('merge', chosen.length, steps);
      const io = { out: () => {}, err: () => {} };
      await mergeCheckpoint(modelDir, chosen.map((n) => join(staging, n)), out, safeMerge, tf.getBackend(), io);
    } catch (e) {
      if (e instanceof StudioError) throw e;
      throw new StudioError('IO', `merged export to ${out} failed: ${(e as Error).message}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    progress('merge', steps, steps);
    return describeDir(out);
  }

  dispose(): void {
    // Adapter variables live in the model tree; the service disposes the model itself.
  }

  private need(): BOFTModel {
    if (!this.bm) throw new StudioError('NOT_FOUND', 'the model has no adapters; train or load one first');
    return this.bm;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function contractConfig(config: BOFTConfig | undefined): BoftConfigInput {
  if (!config) return {};
  const fields = config.fields() as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { peft_type: 'BOFT' };
  for (const k of BOFT_CONFIG_KEYS) if (k !== 'auto_mapping' && k !== 'peft_version') out[k] = fields[k];
  return out as BoftConfigInput;
}

async function describeDir(dir: string): Promise<ExportResult> {
  const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(dir, f))).size;
  return { dir, files, bytes };
}

/**
 * Adapter engines for opened models. The embedded sample holds out its validation split
 * (drawn with `sampleSeed`, the studio's default run seed); a model folder has no data until
 * a run brings some, so its merge check falls back to the seeded probe and says so.
 */
export function coreAdapterFactory(sampleDir: string, sampleSpec: CoreDataset, sampleSeed: number): AdapterEngineFactory {
  return {
    create: (model) => {
      const root = model.root;
      const held = model.source.kind === 'sample' && root instanceof PretrainedModel ? sampleHeldOut(sampleDir, sampleSpec, root, sampleSeed) : null;
      return new CoreAdapters(model, held);
    },
  };
}
