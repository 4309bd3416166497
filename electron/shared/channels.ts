// Names and the bridge shape, free of runtime dependencies: the sandboxed preload imports
// this file, and a sandboxed preload may require nothing but 'electron'.
import type { ClientMessage } from './contract';

/** What the preload exposes as `window.boftBridge` (and nothing else). */
export interface BridgeApi {
  /** Sends one ClientMessage; main validates sender and payload. */
  send(message: ClientMessage): void;
  /** Receives ServerMessages; returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
}
export const BRIDGE_GLOBAL = 'boftBridge';
/** Electron IPC channel names (renderer → main, main → renderer). */
export const IPC_TO_MAIN = 'boft:client';
export const IPC_TO_RENDERER = 'boft:server';
/** WebSocket path of browser mode; the token travels as ?token=. */
export const WS_PATH = '/ws';
export const PROJECT_EXTENSION = '.boftproj';
