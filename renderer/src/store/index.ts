// The studio store: one zustand store composed of slices. The page binds it to the service
// with `bindStore` (bind.ts); React only reads it through `useStudio`.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createAdaptersSlice } from './adapters-slice';
import { createConfigSlice } from './config-slice';
import { createHistorySlice } from './history-slice';
import { createProjectSlice } from './project-slice';
import { createTrainingSlice } from './training-slice';
import { createTreeSlice } from './tree-slice';
import type { StoreDeps, StudioState } from './types';

export type StudioStore = StoreApi<StudioState>;
export type { StudioState, StoreDeps } from './types';

export function createStudioStore(deps: StoreDeps): StudioStore {
  return createStore<StudioState>()((set, get) => ({
    ...createProjectSlice(set, get, deps),
    ...createConfigSlice(set, get, deps),
    ...createTreeSlice(set, get, deps),
    ...createTrainingSlice(set, get, deps),
    ...createAdaptersSlice(set, get, deps),
    ...createHistorySlice(set, get, deps),
  }));
}
