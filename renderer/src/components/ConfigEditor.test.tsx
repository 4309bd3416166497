import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../api';
import { testStore } from '../testing/fake-studio';
import { renderWithStore, withSample } from '../testing/render';
import { ConfigEditor } from './ConfigEditor';

// The service never answers config.validate here, so the figures on screen are the editor's
// own estimate, checked against the arithmetic below.
const pending = { 'config.validate': () => new Promise<never>(() => {}) };

/** BOFT parameters of one layer: m·(d/b)·b² rotation entries + out scales (independent of the app's code). */
const layerParams = (d: number, out: number, b: number, m = 1): number => m * (d / b) * b * b + out;
/** The fake's 4 blocks: q, v (64→64), fc1 (64→96), fc2 (96→64). */
const allLinear = (b: number): number => 4 * (layerParams(64, 64, b) * 2 + layerParams(64, 96, b) + layerParams(96, 64, b));

async function editor() {
  const t = await withSample(testStore(pending, 1));
  const r = renderWithStore(<ConfigEditor />, {}, t);
  await r.flush();
  return r;
}

const form = () => within(screen.getByRole('form', { name: 'BOFT configuration' }));
const input = (label: RegExp) => form().getByLabelText(label) as HTMLInputElement;

describe('ConfigEditor', () => {
  it('renders one labelled control for every BOFTConfig field', async () => {
    await editor();
    for (const key of Object.keys(DEFAULT_CONFIG)) {
      const controls = form().getAllByLabelText(new RegExp(`^${key}\\b`));
      expect(controls, key).toHaveLength(1);
    }
  });

  it('shows an invalid value inline, naming the field and the allowed values, and clears it when fixed', async () => {
    const r = await editor();
    const dropout = input(/^boft_dropout/);
    fireEvent.change(dropout, { target: { value: '1.5' } });
    await r.flush();
    expect(dropout.getAttribute('aria-invalid')).toBe('true');
    const errId = (dropout.getAttribute('aria-describedby') ?? '').split(' ').find((id) => id.endsWith('-err'));
    expect(errId).toBeDefined();
    expect(document.getElementById(errId as string)?.textContent).toBe('boft_dropout must be in [0, 1), got 1.5');
    fireEvent.change(dropout, { target: { value: '0.1' } });
    await r.flush();
    expect(dropout.getAttribute('aria-invalid')).toBe('false');
    expect(form().queryAllByRole('alert')).toHaveLength(0);
    expect(r.store.getState().config.boft_dropout).toBe(0.1);
  });

  it('explains setting both block size and count, and clears it when one is 0', async () => {
    const r = await editor();
    const num = input(/^boft_block_num/);
    fireEvent.change(num, { target: { value: '2' } });
    await r.flush();
    const size = input(/^boft_block_size/);
    expect(size.getAttribute('aria-invalid')).toBe('true');
    expect(form().getByText(/set exactly one of boft_block_size \(4\) and boft_block_num \(2\); the other must be 0/)).toBeTruthy();
    fireEvent.change(size, { target: { value: '0' } });
    await r.flush();
    expect(size.getAttribute('aria-invalid')).toBe('false');
    expect(r.store.getState().config).toMatchObject({ boft_block_size: 0, boft_block_num: 2 });
  });

  it('a non-number keeps the typed text and says so, without changing the config', async () => {
    const r = await editor();
    const size = input(/^boft_block_size/);
    fireEvent.change(size, { target: { value: '4x' } });
    await r.flush();
    expect(size.value).toBe('4x');
    expect(form().getByText("'4x' is not a number")).toBeTruthy();
    expect(r.store.getState().config.boft_block_size).toBe(4);
  });

  it('presets fill target_modules from the tree', async () => {
    const r = await editor();
    const presets = within(screen.getByRole('group', { name: 'Presets' }));
    fireEvent.click(presets.getByRole('button', { name: 'Attention only' }));
    await r.flush();
    expect(r.store.getState().config.target_modules).toEqual(['q_proj', 'v_proj']);
    expect(input(/^target_modules/).value).toBe('q_proj, v_proj');
    fireEvent.click(presets.getByRole('button', { name: 'MLP only' }));
    await r.flush();
    expect(r.store.getState().config.target_modules).toEqual(['fc1', 'fc2']);
    expect(screen.getByTestId('fig-layers').textContent).toBe('8');
  });

  it('live figures follow the block size (local estimate while the service has not answered)', async () => {
    const r = await editor();
    fireEvent.click(screen.getByRole('button', { name: 'All linear' }));
    await r.flush();
    const trainable = () => Number((screen.getByTestId('fig-trainable').textContent ?? '').replace(/,/g, ''));
    expect(screen.getByTestId('fig-layers').textContent).toBe('16');
    expect(trainable()).toBe(allLinear(4));
    fireEvent.change(input(/^boft_block_size/), { target: { value: '8' } });
    await r.flush();
    expect(trainable()).toBe(allLinear(8));
    expect(allLinear(8)).not.toBe(allLinear(4));
    // 96 is not a multiple of 64: the figures refuse to count an invalid shape.
    fireEvent.change(input(/^boft_block_size/), { target: { value: '64' } });
    await r.flush();
    expect(screen.getByTestId('fig-trainable').textContent).toBe('invalid shape');
    expect(screen.getByTestId('block-problems').textContent).toMatch(/d = 96/);
  });
});
