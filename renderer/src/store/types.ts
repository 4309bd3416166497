// One zustand store in slices; each slice file exports its state interface and creator.
import type { StoreApi } from 'zustand/vanilla';
import type { Result, StudioApi, StudioErrorData } from '../api';
import type { ProjectSlice } from './project-slice';
import type { ConfigSlice } from './config-slice';
import type { TreeSlice } from './tree-slice';
import type { TrainingSlice } from './training-slice';
import type { AdaptersSlice } from './adapters-slice';
import type { HistorySlice } from './history-slice';

export type StudioState = ProjectSlice & ConfigSlice & TreeSlice & TrainingSlice & AdaptersSlice & HistorySlice;

export interface StoreDeps {
  api: StudioApi;
  /** Delay of the config.validate call after the last edit. */
  debounceMs: number;
  /** Runs `fn` once before the next paint (requestAnimationFrame in the page). */
  schedule: (fn: () => void) => void;
}

export type SetState = StoreApi<StudioState>['setState'];
export type GetState = StoreApi<StudioState>['getState'];
export type SliceCreator<T> = (set: SetState, get: GetState, deps: StoreDeps) => T;

/** The text a slice shows for a failed call: the service's message and its code. */
export function errorText(e: StudioErrorData): string {
  return `${e.message} (${e.code})`;
}

/** Value of a result, or null after reporting its error through `onError`. */
export function valueOr<T>(r: Result<T>, onError: (text: string) => void): T | null {
  if (r.ok) return r.value;
  onError(errorText(r.error));
  return null;
}
