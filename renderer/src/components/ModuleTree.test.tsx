// ModuleTree's checkbox counts: a newly shown tree mounts with placeholder counts and fills
// them in only after a frame has been painted; a config change on a tree already shown
// recounts in the same render (a click must show at once).
import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type BoftConfig, type ModuleRow } from '../api';
import { allKeys, buildViewTree } from '../lib/tree';
import { ModuleTree, useShownTree } from './ModuleTree';

/** Three identical blocks of q/v Linear layers: they fold into one `layers.0–2 ×3` row. */
function rows(): ModuleRow[] {
  const out: ModuleRow[] = [{ path: '', type: 'Model', numParams: 0, adaptable: false }, { path: 'layers', type: 'ModuleList', numParams: 0, adaptable: false }];
  for (let i = 0; i < 3; i++) {
    out.push({ path: `layers.${i}`, type: 'Block', numParams: 0, adaptable: false });
    for (const n of ['q', 'v']) out.push({ path: `layers.${i}.${n}`, type: 'Linear', inFeatures: 64, outFeatures: 64, rotatedDim: 64, numParams: 4096, adaptable: true });
  }
  return out;
}

const root = buildViewTree(rows());
const none = (): void => undefined;

function tree(config: BoftConfig) {
  return (
    <ModuleTree
      root={root} config={config} serviceLayers={new Map()} expanded={new Set(['root', ...allKeys(root)])} query="" typeFilter={new Set()}
      focusedKey={null} height={400} onToggleExpanded={none} onSetTargeted={none} onQuery={none} onToggleType={none} onFocus={none}
      onExpandAll={none} onCollapseAll={none}
    />
  );
}

const checkbox = (label: RegExp): HTMLInputElement => screen.getByRole('checkbox', { name: label }) as HTMLInputElement;
const frame = (): Promise<void> => act(async () => {
  await new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
});

describe('ModuleTree checkbox counts', () => {
  it('a new tree mounts with placeholder counts and fills them in after a painted frame', async () => {
    render(tree({ ...DEFAULT_CONFIG, target_modules: ['q'] }));
    // Totals are there at once (3 q and 3 v layers under the fold), nothing counted on yet.
    expect(screen.getAllByText('0/3')).toHaveLength(2);
    expect(screen.getByText('0/6')).toBeTruthy();
    expect(checkbox(/target q/).checked).toBe(false);
    await frame();
    await frame();
    expect(screen.getByText('3/3')).toBeTruthy();
    expect(screen.getByText('3/6')).toBeTruthy();
    expect(checkbox(/target q/).checked).toBe(true);
    expect(checkbox(/target v/).checked).toBe(false);
  });

  it('a config change on a shown tree recounts in the same render', async () => {
    const view = render(tree({ ...DEFAULT_CONFIG, target_modules: ['q'] }));
    await frame();
    await frame();
    expect(checkbox(/target v/).checked).toBe(false);
    view.rerender(tree({ ...DEFAULT_CONFIG, target_modules: ['q', 'v'] }));
    // No frame in between: the click's effect is visible in the render it caused.
    expect(checkbox(/target v/).checked).toBe(true);
    expect(screen.getAllByText('3/3')).toHaveLength(2);
    expect(screen.getByText('6/6')).toBeTruthy();
  });
});

describe('ModuleTree shows a new root in a background render (useShownTree)', () => {
  const other = buildViewTree([{ path: '', type: 'Other', numParams: 0, adaptable: false }, { path: 'fc', type: 'Linear', inFeatures: 8, outFeatures: 8, rotatedDim: 8, numParams: 64, adaptable: true }]);
  type Seen = { root: string; expanded: string };
  const name = (r: typeof root): string => (r === root ? 'A' : r === other ? 'B' : r.children.length === 0 ? 'empty' : '?');

  function Probe({ r, expanded, seen }: { r: typeof root; expanded: ReadonlySet<string>; seen: Seen[] }) {
    const shown = useShownTree(r, expanded);
    seen.push({ root: name(shown.root), expanded: [...shown.expanded].join(',') });
    return null;
  }

  it('keeps each root with its own expanded set while the new one renders', () => {
    const seen: Seen[] = [];
    const view = render(<Probe r={root} expanded={new Set(['a'])} seen={seen} />);
    // First mount: an empty tree at once, the real one in the deferred render act() flushed.
    expect(seen[0]).toEqual({ root: 'empty', expanded: '' });
    expect(seen.at(-1)).toEqual({ root: 'A', expanded: 'a' });
    seen.length = 0;
    view.rerender(<Probe r={other} expanded={new Set(['b'])} seen={seen} />);
    // The urgent render still shows A with A's expanded set; B comes with B's, never mixed.
    expect(seen[0]).toEqual({ root: 'A', expanded: 'a' });
    expect(seen.at(-1)).toEqual({ root: 'B', expanded: 'b' });
    expect(seen.every((s) => (s.root === 'A' && s.expanded === 'a') || (s.root === 'B' && s.expanded === 'b'))).toBe(true);
  });
});
