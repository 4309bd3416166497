// Public surface of electron/shared for the renderer and hosts.
export * from './contract';
export * from './schemas';
export * from './boft-config';
export { createClient, type StudioClient, type ClientTransport, type CallOptions, type ProtocolProblem } from './client';
export { memoryTransport, bridgeTransport, webSocketTransport, webSocketUrl, selectTransport, findBridge, type TransportKind, type WebSocketLike, type PageEnvironment } from './transports';
