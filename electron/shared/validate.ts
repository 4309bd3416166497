// Payload checks shared by every hop (main, server, worker, client): one implementation,
// so "validated" means the same thing wherever a message crosses a boundary.
import { z } from 'zod';
import {
  clientMessageSchema,
  isMethodName,
  methods,
  serverMessageSchema,
  studioEventSchema,
  type ClientMessage,
  type MethodName,
  type Params,
  type ResultValue,
  type ServerMessage,
  type StudioEvent,
} from './contract';
import type { StudioErrorData } from './schemas';

export type Checked<T> = { ok: true; value: T } | { ok: false; error: StudioErrorData };

/** A request whose method exists and whose params passed that method's schema. */
export interface ValidRequest<M extends MethodName = MethodName> {
  kind: 'request';
  id: number;
  method: M;
  params: Params<M>;
}
export type ValidClientMessage = ValidRequest | { kind: 'cancel'; id: number };

function issues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function invalid(message: string, details?: unknown): { ok: false; error: StudioErrorData } {
  return { ok: false, error: details === undefined ? { code: 'INVALID_REQUEST', message } : { code: 'INVALID_REQUEST', message, details } };
}

/** Best-effort id of a malformed request, so its error result can still be matched. */
export function salvageId(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = (raw as { id: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 ? id : null;
}

export function checkClientMessage(raw: unknown): Checked<ValidClientMessage> {
  const envelope = clientMessageSchema.safeParse(raw);
  if (!envelope.success) return invalid('malformed message', issues(envelope.error));
  const msg: ClientMessage = envelope.data;
  if (msg.kind === 'cancel') return { ok: true, value: msg };
  if (!isMethodName(msg.method)) {
    return invalid(`unknown method '${msg.method}'`, { valid: Object.keys(methods) });
  }
  const params = methods[msg.method].params.safeParse(msg.params ?? {});
  if (!params.success) {
    return invalid(`invalid params for ${msg.method}: ${z.prettifyError(params.error)}`, issues(params.error));
  }
  return { ok: true, value: { kind: 'request', id: msg.id, method: msg.method, params: params.data as Params<MethodName> } };
}

export function checkResultValue<M extends MethodName>(method: M, value: unknown): Checked<ResultValue<M>> {
  const parsed = methods[method].result.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data as ResultValue<M> };
  return {
    ok: false,
    error: { code: 'INTERNAL', message: `${method} returned a value outside the contract: ${z.prettifyError(parsed.error)}`, details: issues(parsed.error) },
  };
}

export function checkServerMessage(raw: unknown): Checked<ServerMessage> {
  const parsed = serverMessageSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : invalid('malformed server message', issues(parsed.error));
}

export function checkEvent(raw: unknown): Checked<StudioEvent> {
  const parsed = studioEventSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : invalid(`malformed event: ${z.prettifyError(parsed.error)}`, issues(parsed.error));
}
