// DOM test setup: unmount what each test rendered, so tests share no React tree, and give
// canvases a 2D context that draws nothing (happy-dom has none; uPlot draws on one). Tests
// read charts through their DOM (legend, series labels), never through pixels.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());

function inertContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const fields: Record<string | symbol, unknown> = { canvas, measureText: () => ({ width: 0 }) };
  return new Proxy(fields, {
    get: (target, key) => (key in target ? target[key] : () => undefined),
    set: (target, key, value) => {
      target[key] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

const contexts = new WeakMap<HTMLCanvasElement, CanvasRenderingContext2D>();
HTMLCanvasElement.prototype.getContext = function getContext(this: HTMLCanvasElement) {
  const ctx = contexts.get(this) ?? inertContext(this);
  contexts.set(this, ctx);
  return ctx;
} as unknown as typeof HTMLCanvasElement.prototype.getContext;

// uPlot builds its lines as Path2D objects before stroking them on the inert context.
if (typeof globalThis.Path2D === 'undefined') {
  class InertPath2D {
    addPath(): void {}
    closePath(): void {}
    moveTo(): void {}
    lineTo(): void {}
    bezierCurveTo(): void {}
    quadraticCurveTo(): void {}
    arc(): void {}
    arcTo(): void {}
    ellipse(): void {}
    rect(): void {}
    roundRect(): void {}
  }
  globalThis.Path2D = InertPath2D as unknown as typeof Path2D;
}
