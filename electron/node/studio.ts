// Browser mode in one call: a CoreHost on a real core worker, behind the HTTP/WS server.
// Used by `boft serve` and by `npm start` when no Electron runtime is available.
import { CoreHost } from './core-host';
import { startServer, type RunningServer } from './server';
import { coreWorkerFactory } from './worker-factory';
import { rendererDist } from './paths';

export interface BrowserStudioOptions {
  host?: string;
  port?: number;
  backend?: string;
  rendererDir?: string;
  log?: (line: string) => void;
}

export interface BrowserStudio {
  server: RunningServer;
  host: CoreHost;
  close(): Promise<void>;
}

export async function startBrowserStudio(o: BrowserStudioOptions = {}): Promise<BrowserStudio> {
  const host = new CoreHost(coreWorkerFactory({ backend: o.backend, mode: 'browser' }), { log: o.log });
  try {
    const server = await startServer({ endpoint: host, rendererDir: o.rendererDir ?? rendererDist(), host: o.host, port: o.port, log: o.log });
    return {
      server,
      host,
      close: async () => {
        await server.close();
        await host.dispose();
      },
    };
  } catch (e) {
    await host.dispose();
    throw e;
  }
}

/** The line e2e tests parse: `BOFT Studio: http://127.0.0.1:PORT/?token=...`. */
export function urlLine(server: RunningServer): string {
  return `BOFT Studio: ${server.url}`;
}
