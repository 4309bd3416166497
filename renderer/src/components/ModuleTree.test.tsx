// ModuleTree's checkbox counts: a newly shown tree mounts with placeholder counts and fills
// them in only after a frame has been painted; a config change on a tree already shown
// recounts in the same render (a click must show at once).
import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type BoftConfig, type ModuleRow } from '../api';
import { allKeys, buildViewTree } from '../lib/tree';
import { ModuleTree } from './ModuleTree';

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
