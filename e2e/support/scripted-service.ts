// A scripted studio service for the UI journey: the real contract, dispatcher, hub and
// `boft serve` HTTP/WebSocket server, with handlers that play a small model and a training
// run that streams events on a timer. It proves the renderer end to end while the core is
// wired; studio-real.spec.ts runs the same journey against the real `boft serve`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError, type StudioEvent } from '../../electron/shared';
import type { Handlers } from '../../electron/shared/dispatcher';
import { createLocalEndpoint, EventHub } from '../../electron/shared/endpoint';
import { startServer, type RunningServer } from '../../electron/node/server';
import type { AdapterInfo, BoftConfigInput, RunSummary, StepMetrics } from '../../renderer/src/api';
import { completeConfig, toRow } from '../../renderer/src/api';
import { resolveShape } from '../../renderer/src/lib/boft-shape';
import { targetedPaths } from '../../renderer/src/store/config-slice';
import { fakeRun, sampleNodes, sampleSummary } from '../../renderer/src/testing/fake-studio';

const nodes = sampleNodes();
const rows = nodes.map(toRow);
const model = sampleSummary(nodes);

function adapterFor(name: string, config: BoftConfigInput, origin: AdapterInfo['origin']): AdapterInfo {
  const c = completeConfig(config);
  const paths = [...targetedPaths(rows, c)];
  let params = 0;
  for (const p of paths) {
    const r = rows.find((x) => x.path === p);
    const s = r ? resolveShape(r.rotatedDim ?? 0, r.outFeatures ?? 0, { blockSize: c.boft_block_size, blockNum: c.boft_block_num, factors: c.boft_n_butterfly_factor }) : null;
    if (s && s.ok) params += s.params;
  }
  return { name, active: true, merged: false, config, numParams: params, targetPaths: paths, origin };
}

export function scriptedHandlers(emit: (e: StudioEvent) => void, stepMs: number): Handlers {
  let adapters: AdapterInfo[] = [];
  let run: RunSummary | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  const runs: RunSummary[] = [];
  const steps: StepMetrics[] = [];
  const setState = (state: RunSummary['state']): RunSummary => {
    if (!run) throw new StudioError('NOT_FOUND', 'no run');
    run = { ...run, state, lastStep: steps[steps.length - 1] ?? null };
    emit({ type: 'run.state', runId: run.runId, state, summary: run });
    return run;
  };
  const tick = (): void => {
    if (!run || run.state !== 'running') return;
    const i = steps.length + 1;
    const m: StepMetrics = { step: i, totalSteps: 2000, epoch: i / 100, loss: 2.3 * Math.exp(-i / 60) + 0.1 + 0.03 * Math.sin(i), lr: 1e-3, gradNorm: 1 / Math.sqrt(i), samplesPerSec: 200, etaSec: (2000 - i) * stepMs / 1000, elapsedSec: i * stepMs / 1000 };
    steps.push(m);
    emit({ type: 'train.step', runId: run.runId, metrics: m });
    if (i % 10 === 0) {
      emit({ type: 'train.eval', runId: run.runId, metrics: { step: i, loss: (m.loss ?? 0) + 0.05, accuracy: Math.min(0.97, 0.5 + i / 400) } });
      emit({ type: 'train.diagnostics', runId: run.runId, step: i, layers: (adapters[0]?.targetPaths ?? []).map((p, k) => ({ path: p, qMinusINorm: 0.001 * i * (1 + k / 10), orthoError: 2e-7, scaleDrift: 0.0002 * i })) });
    }
  };
  const unwired = async (): Promise<never> => {
    throw new StudioError('UNSUPPORTED', 'not in the scripted service');
  };
  return {
    'app.info': async () => ({ appVersion: '0.1.0', mode: 'browser', backend: 'wasm', platform: 'linux', versions: { scripted: 'yes' } }),
    'session.snapshot': async () => ({ lastSeq: 0, model: null, adapters, runs, activeRun: null, recoverableCheckpoint: null, projectPath: null }),
    'dialog.open': unwired,
    'model.openSample': async () => model,
    'model.openFolder': async (p) => {
      throw new StudioError('NOT_FOUND', `no config.json in ${p.path}`);
    },
    'model.tree': async () => ({ nodes }),
    'config.validate': async (p) => {
      const c = completeConfig(p.config);
      const layers = [...targetedPaths(rows, c)].map((path) => {
        const r = rows.find((x) => x.path === path);
        const base = { path, type: r?.type ?? 'Linear', inFeatures: r?.inFeatures ?? 0, outFeatures: r?.outFeatures ?? 0 };
        const s = resolveShape(base.inFeatures, base.outFeatures, { blockSize: c.boft_block_size, blockNum: c.boft_block_num, factors: c.boft_n_butterfly_factor });
        return s.ok ? { ...base, status: 'valid' as const, blockSize: s.blockSize, blockNum: s.blockNum, boftParams: s.params } : { ...base, status: 'invalid' as const, reason: `${path} (${base.inFeatures}→${base.outFeatures}): ${s.reason}`, suggestions: [] };
      });
      const total = layers.reduce((a, l) => a + (l.status === 'valid' ? l.boftParams : 0), 0);
      return { configErrors: [], layers, totalBoftParams: total, baseParams: model.numParams, trainableShare: total / (model.numParams + total), adapterBytes: total * 4 + 1000 };
    },
    'training.start': async (p) => {
      adapters = [adapterFor(p.adapterName, p.config, { kind: 'trained', runId: 'run-1' })];
      run = { ...fakeRun('run-1', 'running'), adapterName: p.adapterName, config: p.config, hyper: p.hyper, dataset: p.dataset };
      runs.push(run);
      timer = setInterval(tick, stepMs);
      emit({ type: 'adapters.changed', adapters });
      return run;
    },
    'training.pause': async () => setState('paused'),
    'training.resume': async () => setState('running'),
    'training.cancel': async () => {
      if (timer) clearInterval(timer);
      setState('cancelling');
      setTimeout(() => {
        emit({ type: 'train.checkpoint', checkpoint: { runId: 'run-1', step: steps.length, path: '/tmp/ck' } });
        setState('cancelled');
        runs[runs.length - 1] = run as RunSummary;
      }, 100);
      return run as RunSummary;
    },
    'runs.list': async () => ({ runs }),
    'runs.history': async (p) => ({ runId: p.runId, steps, evals: [], diagnostics: [] }),
    'adapters.list': async () => ({ adapters }),
    'adapters.load': async (p) => {
      const cfg = JSON.parse(await readFile(join(p.path, 'adapter_config.json'), 'utf8')) as BoftConfigInput & { peft_type?: string };
      delete cfg.peft_type;
      adapters = [...adapters, adapterFor(p.adapterName, cfg, { kind: 'loaded', path: p.path })];
      return { adapters };
    },
    'adapters.activate': async (p) => ({ adapters: (adapters = adapters.map((a) => ({ ...a, active: p.names.includes(a.name) }))) }),
    'adapters.merge': async (p) => {
      adapters = adapters.map((a) => (!p.names || p.names.includes(a.name) ? { ...a, merged: true } : a));
      return { adapters, agreement: { maxAbsDiff: 2.4e-7, samples: 64, batch: 'validation' } };
    },
    'adapters.unmerge': async () => ({ adapters: (adapters = adapters.map((a) => ({ ...a, merged: false }))) }),
    'adapters.mergeAndUnload': async () => ({ adapters: (adapters = []), agreement: { maxAbsDiff: 2.4e-7, samples: 64, batch: 'validation' }, model }),
    'adapters.unload': async () => ({ adapters: (adapters = []), model }),
    'adapters.delete': async (p) => ({ adapters: (adapters = adapters.filter((a) => a.name !== p.name)) }),
    'export.adapter': async (p) => {
      const a = adapters.find((x) => x.name === p.adapterName);
      if (!a) throw new StudioError('NOT_FOUND', `no adapter ${p.adapterName}`);
      await mkdir(p.dir, { recursive: true });
      const progress = (done: number, phase: string): void => emit({ type: 'export.progress', progressId: p.progressId ?? null, phase, done, total: 2 });
      progress(0, 'writing adapter_config.json');
      await writeFile(join(p.dir, 'adapter_config.json'), JSON.stringify({ ...a.config, peft_type: 'BOFT' }, null, 2));
      progress(1, 'writing adapter_model.safetensors');
      await new Promise((r) => setTimeout(r, 300));
      await writeFile(join(p.dir, 'adapter_model.safetensors'), Buffer.alloc(a.numParams * 4 + 64));
      progress(2, 'done');
      return { dir: p.dir, files: ['adapter_config.json', 'adapter_model.safetensors'], bytes: a.numParams * 4 + 64 };
    },
    'export.merged': unwired,
    'project.open': unwired,
    'project.save': unwired,
    'project.recent': async () => ({ paths: [] }),
  };
}

export async function startScriptedServer(rendererDir: string, stepMs = 25): Promise<RunningServer> {
  const hub = new EventHub();
  const endpoint = createLocalEndpoint(scriptedHandlers((e) => void hub.emit(e), stepMs), hub);
  return startServer({ endpoint, rendererDir });
}
