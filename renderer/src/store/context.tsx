// React's only door into the store: components select what they render.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { StudioStore, StudioState } from './index';

export const StoreContext = createContext<StudioStore | null>(null);

export function useStudioStore(): StudioStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStudio needs a <StoreContext.Provider> above it');
  return store;
}

export function useStudio<T>(selector: (s: StudioState) => T): T {
  return useStore(useStudioStore(), selector);
}

/** Selects several fields; re-renders only when one of them changes (shallow compare). */
export function usePick<T extends object>(selector: (s: StudioState) => T): T {
  return useStore(useStudioStore(), useShallow(selector));
}
