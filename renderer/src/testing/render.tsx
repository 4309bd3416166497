// Renders a component over the real store bound to the fake studio (fake-studio.ts), so DOM
// tests drive the same slices and contract schemas the page uses.
import { act, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { Handlers } from '../../../electron/shared/dispatcher';
import { StoreContext } from '../store/context';
import { settle, testStore, type TestStore } from './fake-studio';

export interface Rendered extends TestStore {
  view: RenderResult;
  /** Lets the store's calls and React's updates settle. */
  flush(): Promise<void>;
}

export function renderWithStore(ui: ReactElement, over: Partial<Handlers> = {}, t: TestStore = testStore(over, 1)): Rendered {
  const view = render(<StoreContext.Provider value={t.store}>{ui}</StoreContext.Provider>);
  const flush = async (): Promise<void> => {
    await act(async () => {
      await settle();
      t.frame();
    });
  };
  return { ...t, view, flush };
}

/** Opens the fake's sample model through the store (rows, tree, config reset). */
export async function withSample(t: TestStore): Promise<TestStore> {
  await t.store.getState().openSample();
  await settle();
  return t;
}
