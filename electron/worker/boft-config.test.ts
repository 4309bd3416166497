// The contract's BOFTConfig defaults and fields (electron/shared/boft-config.ts, what the
// renderer edits) must be core/boft's (core/boft/config.ts): the contract cannot import core,
// so this test is what keeps the two copies one.
import { describe, expect, it } from 'vitest';
import { BOFT_CONFIG_KEYS, BOFT_DEFAULTS, BOFTConfig } from '../../core/boft/config';
import { BIAS_MODES, BOFT_CONFIG_DEFAULTS, BOFT_CONFIG_FIELDS, completeBoftConfig } from '../shared/boft-config';
import { boftConfigSchema } from '../shared/schemas';

/** Fields core writes itself rather than the user editing them. */
const CORE_ONLY = ['auto_mapping', 'peft_version'];

describe('one source of BOFT config defaults', () => {
  it("the shared defaults are core's, field for field and in the same order", () => {
    const core = Object.fromEntries(Object.entries(BOFT_DEFAULTS).filter(([k]) => !CORE_ONLY.includes(k)));
    expect(BOFT_CONFIG_DEFAULTS).toStrictEqual(core);
    expect([...BOFT_CONFIG_FIELDS]).toEqual(BOFT_CONFIG_KEYS.filter((k) => !CORE_ONLY.includes(k)));
  });

  it("core's BOFTConfig built from nothing has the shared defaults", () => {
    const fields = new BOFTConfig({}).fields() as unknown as Record<string, unknown>;
    for (const k of BOFT_CONFIG_FIELDS) expect(fields[k], k).toStrictEqual(BOFT_CONFIG_DEFAULTS[k]);
  });

  it('the contract schema accepts exactly the shared fields (plus peft_type)', () => {
    expect(Object.keys(boftConfigSchema.shape).sort()).toEqual([...BOFT_CONFIG_FIELDS, 'peft_type'].sort());
    expect(boftConfigSchema.safeParse(BOFT_CONFIG_DEFAULTS).success).toBe(true);
  });

  it("the bias choices are the ones core accepts, and core refuses any other", () => {
    for (const bias of BIAS_MODES) expect(new BOFTConfig({ bias }).bias).toBe(bias);
    expect(() => new BOFTConfig({ bias: 'lora_only' as never })).toThrow(/bias="lora_only" is invalid; allowed: 'none', 'all' or 'boft_only'/);
  });

  it('completes a partial config with the defaults and keeps given values', () => {
    expect(completeBoftConfig({ boft_block_size: 0, boft_block_num: 8, bias: 'all' })).toStrictEqual({ ...BOFT_CONFIG_DEFAULTS, boft_block_size: 0, boft_block_num: 8, bias: 'all' });
  });
});
