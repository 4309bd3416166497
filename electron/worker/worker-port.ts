// The worker side of the host protocol: a Dispatcher over the StudioService, talking to
// the host through a port. Kept apart from the entry file so tests can drive it directly.
import { Dispatcher, type Handlers } from '../shared/dispatcher';
import type { StudioEvent } from '../shared/contract';
import type { HostToWorker, WorkerToHost } from '../node/host-protocol';

export interface PortLike {
  postMessage(message: WorkerToHost): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Returns the `emit` the service must use, so events and responses share one ordered channel. */
export function eventSink(port: PortLike): (event: StudioEvent) => void {
  return (event) => port.postMessage({ kind: 'event', event });
}

export function attachToHost(port: PortLike, handlers: Handlers): void {
  const dispatcher = new Dispatcher(handlers);
  port.on('message', (raw) => {
    const m = raw as HostToWorker;
    if (m && m.kind === 'client') {
      dispatcher.receive(m.conn, m.message, (message) => port.postMessage({ kind: 'response', conn: m.conn, message }));
    } else if (m && m.kind === 'close') {
      dispatcher.closeConnection(m.conn);
    }
  });
  port.postMessage({ kind: 'ready' });
}
