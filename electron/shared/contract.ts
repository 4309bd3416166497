/**
 * THE studio contract: the only way the renderer talks to the core, identical over
 * Electron IPC (preload bridge), WebSocket (`boft serve`) and the in-memory transport.
 *
 * Wire format (every message is a plain JSON object, validated on both ends with zod):
 *   client → host  {kind:'request', id, method, params}   id: positive int, unique per connection
 *                  {kind:'cancel', id}                    aborts that request (→ error CANCELLED)
 *   host → client  {kind:'response', id, result}          result: {ok:true, value} | {ok:false, error}
 *                  {kind:'event', seq, event}             seq: 1, 2, 3, ... ordered across the session
 *
 * Requests (method → params → value):
 *   app.info               {}                               → AppInfo
 *   session.snapshot       {}                               → Snapshot (state to rebuild the UI after a reload)
 *   dialog.open            {kind, title?}                   → {path|null}     UNSUPPORTED in browser mode
 *   model.openSample       {}                               → ModelSummary
 *   model.openFolder       {path}                           → ModelSummary
 *   model.tree             {}                               → {nodes: ModuleNode[]} flat, pre-order
 *   config.validate        {config}                         → ValidationReport (per layer)
 *   training.start         {adapterName, config, hyper, dataset, resumeFrom?} → RunSummary
 *   training.pause|resume|cancel {runId}                    → RunSummary
 *   runs.list              {}                               → {runs: RunSummary[]}
 *   runs.history           {runId}                          → RunHistory
 *   adapters.list          {}                               → {adapters}
 *   adapters.load          {path, adapterName}              → {adapters}
 *   adapters.activate      {names}                          → {adapters}
 *   adapters.merge         {names?, safeMerge}              → {adapters, agreement|null}
 *   adapters.unmerge       {}                               → {adapters}
 *   adapters.mergeAndUnload {names?, safeMerge}             → {adapters, agreement|null, model}
 *   adapters.unload        {}                               → {adapters, model}
 *   adapters.delete        {name}                           → {adapters}
 *   export.adapter         {adapterName, dir, progressId?}  → ExportResult   (+ export.progress events)
 *   export.merged          {dir, names?, safeMerge, progressId?} → ExportResult (+ export.progress events)
 *   project.open           {path}                           → {project, path}
 *   project.save           {path, project}                  → {path}
 *   project.recent         {}                               → {paths}
 *
 * Events (discriminated on `type`): run.state, train.step, train.eval, train.diagnostics,
 * train.checkpoint, export.progress, model.changed, adapters.changed, worker.crashed,
 * worker.restarted, app.openFile (desktop: a .boftproj opened from the OS), log.
 *
 * Errors are never raw exceptions: every failure is {ok:false, error:{code, message, details?}}
 * with `code` from ErrorCode (schemas.ts). Stable: add methods/events/optional fields only.
 */
import { z } from 'zod';
import * as s from './schemas';

const empty = z.object({}).strict();
const adaptersOut = z.object({ adapters: z.array(s.adapterInfoSchema) });
const runIdIn = z.object({ runId: z.string().min(1) }).strict();
const mergeIn = z.object({ names: z.array(z.string()).min(1).optional(), safeMerge: z.boolean() }).strict();
/** Chosen by the client to recognise its own export.progress events among broadcasts. */
const progressId = z.string().min(1).max(64).optional();
const adapterName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'adapter names use letters, digits, _ . -');

export const snapshotSchema = z.object({
  /** seq of the last event emitted before this snapshot; later events have a larger seq. */
  lastSeq: z.number().int().min(0),
  model: s.modelSummarySchema.nullable(),
  adapters: z.array(s.adapterInfoSchema),
  runs: z.array(s.runSummarySchema),
  /** The run in progress (or paused), if any, with its full metric history. */
  activeRun: z.object({ summary: s.runSummarySchema, history: s.runHistorySchema }).nullable(),
  /** Set after a core-host crash until a new run starts: the checkpoint to resume from. */
  recoverableCheckpoint: s.checkpointRefSchema.nullable(),
  projectPath: z.string().nullable(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R) {
  return { params, result };
}

export const methods = {
  'app.info': method(empty, s.appInfoSchema),
  'session.snapshot': method(empty, snapshotSchema),
  'dialog.open': method(
    z.object({ kind: z.enum(['folder', 'openFile', 'saveFile']), title: z.string().optional() }).strict(),
    z.object({ path: z.string().nullable() }),
  ),
  'model.openSample': method(empty, s.modelSummarySchema),
  'model.openFolder': method(z.object({ path: z.string().min(1) }).strict(), s.modelSummarySchema),
  'model.tree': method(empty, z.object({ nodes: z.array(s.moduleNodeSchema) })),
  'config.validate': method(z.object({ config: s.boftConfigSchema }).strict(), s.validationReportSchema),
  'training.start': method(
    z.object({
      adapterName,
      config: s.boftConfigSchema,
      hyper: s.hyperParamsSchema,
      dataset: s.datasetSpecSchema,
      resumeFrom: s.checkpointRefSchema.optional(),
    }).strict(),
    s.runSummarySchema,
  ),
  'training.pause': method(runIdIn, s.runSummarySchema),
  'training.resume': method(runIdIn, s.runSummarySchema),
  'training.cancel': method(runIdIn, s.runSummarySchema),
  'runs.list': method(empty, z.object({ runs: z.array(s.runSummarySchema) })),
  'runs.history': method(runIdIn, s.runHistorySchema),
  'adapters.list': method(empty, adaptersOut),
  'adapters.load': method(z.object({ path: z.string().min(1), adapterName }).strict(), adaptersOut),
  'adapters.activate': method(z.object({ names: z.array(z.string()).min(1) }).strict(), adaptersOut),
  'adapters.merge': method(mergeIn, adaptersOut.extend({ agreement: s.mergeAgreementSchema.nullable() })),
  'adapters.unmerge': method(empty, adaptersOut),
  'adapters.mergeAndUnload': method(
    mergeIn,
    adaptersOut.extend({ agreement: s.mergeAgreementSchema.nullable(), model: s.modelSummarySchema }),
  ),
  'adapters.unload': method(empty, adaptersOut.extend({ model: s.modelSummarySchema })),
  'adapters.delete': method(z.object({ name: z.string().min(1) }).strict(), adaptersOut),
  'export.adapter': method(
    z.object({ adapterName: z.string().min(1), dir: z.string().min(1), progressId }).strict(),
    s.exportResultSchema,
  ),
  'export.merged': method(
    z.object({ dir: z.string().min(1), names: z.array(z.string()).min(1).optional(), safeMerge: z.boolean(), progressId }).strict(),
    s.exportResultSchema,
  ),
  'project.open': method(z.object({ path: z.string().min(1) }).strict(), z.object({ project: s.projectSchema, path: z.string() })),
  'project.save': method(z.object({ path: z.string().min(1), project: s.projectSchema }).strict(), z.object({ path: z.string() })),
  'project.recent': method(empty, z.object({ paths: z.array(z.string()) })),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export const methodNames = Object.keys(methods) as MethodName[];
export type Params<M extends MethodName> = z.infer<Methods[M]['params']>;
export type ResultValue<M extends MethodName> = z.infer<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

// ---------------------------------------------------------------- events

const runId = z.string();

export const studioEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run.state'), runId, state: s.runStateSchema, summary: s.runSummarySchema }),
  z.object({ type: z.literal('train.step'), runId, metrics: s.stepMetricsSchema }),
  z.object({ type: z.literal('train.eval'), runId, metrics: s.evalMetricsSchema }),
  z.object({ type: z.literal('train.diagnostics'), runId, step: z.number().int().min(0), layers: z.array(s.layerDiagnosticsSchema) }),
  z.object({ type: z.literal('train.checkpoint'), checkpoint: s.checkpointRefSchema }),
  z.object({
    type: z.literal('export.progress'),
    /** The progressId given in the export.* request, null if none was given. */
    progressId: z.string().nullable(),
    phase: z.string(),
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  z.object({ type: z.literal('model.changed'), model: s.modelSummarySchema.nullable() }),
  z.object({ type: z.literal('adapters.changed'), adapters: z.array(s.adapterInfoSchema) }),
  z.object({
    type: z.literal('worker.crashed'),
    reason: z.string(),
    /** The last checkpoint written before the crash; offer to resume from it. */
    lastCheckpoint: s.checkpointRefSchema.nullable(),
  }),
  z.object({ type: z.literal('worker.restarted') }),
  /** The OS asked the desktop app to open a project file (file association, double-click). */
  z.object({ type: z.literal('app.openFile'), path: z.string().min(1) }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
]);
export type StudioEvent = z.infer<typeof studioEventSchema>;
export type EventType = StudioEvent['type'];
export type EventOf<T extends EventType> = Extract<StudioEvent, { type: T }>;

// ---------------------------------------------------------------- envelopes

const requestId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const requestMessageSchema = z.object({
  kind: z.literal('request'),
  id: requestId,
  method: z.string(),
  params: z.unknown(),
}).strict();
export const cancelMessageSchema = z.object({ kind: z.literal('cancel'), id: requestId }).strict();
export const clientMessageSchema = z.discriminatedUnion('kind', [requestMessageSchema, cancelMessageSchema]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const resultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: s.studioErrorSchema }),
]);
export const responseMessageSchema = z.object({ kind: z.literal('response'), id: requestId, result: resultSchema });
export const eventMessageSchema = z.object({ kind: z.literal('event'), seq: z.number().int().min(1), event: z.unknown() });
export const serverMessageSchema = z.discriminatedUnion('kind', [responseMessageSchema, eventMessageSchema]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** What hosts send (typed); receivers still validate against serverMessageSchema. */
export interface ResponseMessageOut {
  kind: 'response';
  id: number;
  result: Result<unknown>;
}
export interface EventMessageOut {
  kind: 'event';
  seq: number;
  event: StudioEvent;
}
export type ServerMessageOut = ResponseMessageOut | EventMessageOut;

export type Result<T> = { ok: true; value: T } | { ok: false; error: s.StudioErrorData };

/** Thrown by service code; the dispatcher turns it into {ok:false, error}. */
export class StudioError extends Error {
  constructor(readonly code: s.ErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'StudioError';
  }

  toData(): s.StudioErrorData {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export { BRIDGE_GLOBAL, IPC_TO_MAIN, IPC_TO_RENDERER, WS_PATH, PROJECT_EXTENSION, type BridgeApi } from './channels';
