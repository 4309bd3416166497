// Module-tree picker state: expansion, search, type filter, keyboard focus.
import { allKeys } from '../lib/tree';
import type { SliceCreator } from './types';

export interface TreeSlice {
  expanded: Set<string>;
  query: string;
  typeFilter: Set<string>;
  focusedKey: string | null;
  toggleExpanded(key: string, open?: boolean): void;
  expandAll(): void;
  collapseAll(): void;
  setQuery(query: string): void;
  toggleType(type: string): void;
  setFocused(key: string | null): void;
}

export const createTreeSlice: SliceCreator<TreeSlice> = (set, get) => ({
  expanded: new Set(['root']),
  query: '',
  typeFilter: new Set(),
  focusedKey: null,
  toggleExpanded: (key, open) => {
    const next = new Set(get().expanded);
    const want = open ?? !next.has(key);
    if (want) next.add(key);
    else next.delete(key);
    set({ expanded: next });
  },
  expandAll: () => {
    const root = get().viewTree;
    set({ expanded: new Set(root ? ['root', ...allKeys(root)] : ['root']) });
  },
  collapseAll: () => set({ expanded: new Set(['root']) }),
  setQuery: (query) => set({ query }),
  toggleType: (type) => {
    const next = new Set(get().typeFilter);
    if (next.has(type)) next.delete(type);
    else next.add(type);
    set({ typeFilter: next });
  },
  setFocused: (focusedKey) => set({ focusedKey }),
});
