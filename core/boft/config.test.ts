// BOFTConfig: PEFT's fields and defaults, validation messages (content asserted), JSON form.
import { describe, expect, it } from 'vitest';
import { BOFTConfig, parseAdapterConfig, PEFT_VERSION } from './config';

describe('BOFTConfig', () => {
  it("has PEFT 0.21's defaults", () => {
    const c = new BOFTConfig({ target_modules: ['q'] });
    expect(c.fields()).toMatchObject({
      boft_block_size: 4, boft_block_num: 0, boft_n_butterfly_factor: 1, boft_dropout: 0, fan_in_fan_out: false,
      bias: 'none', modules_to_save: null, init_weights: true, layers_to_transform: null, layers_pattern: null,
      inference_mode: false, exclude_modules: null, task_type: null, revision: null, base_model_name_or_path: null,
    });
    expect(c.peft_type).toBe('BOFT');
  });

  it('boft_block_num with the default block size explains that boft_block_size must be 0', () => {
    expect(() => new BOFTConfig({ boft_block_num: 8 })).toThrow(/boft_block_size=4 and boft_block_num=8 are both nonzero.*boft_block_num=8, boft_block_size must be 0/);
    expect(() => new BOFTConfig({ boft_block_num: 0, boft_block_size: 0 })).toThrow(/boft_block_size=0 and boft_block_num=0; exactly one of them must be nonzero/);
    expect(new BOFTConfig({ boft_block_num: 8, boft_block_size: 0 }).boft_block_num).toBe(8);
  });

  it('names the field, the value and what is allowed', () => {
    expect(() => new BOFTConfig({ boft_dropout: 1.5 })).toThrow("BOFTConfig: boft_dropout=1.5 is invalid; allowed: a number in [0, 1)");
    expect(() => new BOFTConfig({ bias: 'lora_only' as 'none' })).toThrow(`BOFTConfig: bias="lora_only" is invalid; allowed: 'none', 'all' or 'boft_only'`);
    expect(() => new BOFTConfig({ boft_n_butterfly_factor: 0 })).toThrow(/boft_n_butterfly_factor=0 is invalid; allowed: an integer >= 1/);
    expect(() => new BOFTConfig({ boft_block_size: 2.5 })).toThrow(/boft_block_size=2.5 is invalid; allowed: an integer >= 0/);
    expect(() => new BOFTConfig({ layers_pattern: 'layers' })).toThrow(/layers_pattern="layers" is set but layers_to_transform=null/);
    expect(() => new BOFTConfig({ target_modules: '(' })).toThrow(/target_modules="\(" is not a valid regular expression/);
  });

  it('parseAdapterConfig ignores unknown keys with collected warnings', () => {
    const { config, warnings } = parseAdapterConfig({ peft_type: 'BOFT', target_modules: ['a'], boft_block_size: 2, lora_alpha: 16, foo: 'x' });
    expect(config.boft_block_size).toBe(2);
    expect(warnings).toEqual([
      "adapter_config.json: ignoring unknown key 'lora_alpha' (=16)",
      'adapter_config.json: ignoring unknown key \'foo\' (="x")',
    ]);
    expect(() => parseAdapterConfig({ peft_type: 'LORA' })).toThrow(/peft_type="LORA" is not supported; allowed: 'BOFT'/);
    expect(() => parseAdapterConfig({ peft_type: 'BOFT', boft_dropout: -1 })).toThrow(/adapter_config.json: BOFTConfig: boft_dropout=-1/);
  });

  it("writes PEFT's field names; inference_mode true once saved; lists stay lists", () => {
    const c = new BOFTConfig({ target_modules: ['q', 'v'], modules_to_save: ['classifier'], layers_to_transform: [0, 2], layers_pattern: 'layer' });
    const j = c.toAdapterConfigJson();
    expect(Object.keys(j).sort()).toEqual([
      'auto_mapping', 'base_model_name_or_path', 'bias', 'boft_block_num', 'boft_block_size', 'boft_dropout',
      'boft_n_butterfly_factor', 'exclude_modules', 'fan_in_fan_out', 'inference_mode', 'init_weights', 'layers_pattern',
      'layers_to_transform', 'modules_to_save', 'peft_type', 'peft_version', 'revision', 'target_modules', 'task_type',
    ]);
    expect(j).toMatchObject({ peft_type: 'BOFT', peft_version: PEFT_VERSION, inference_mode: true, target_modules: ['q', 'v'], layers_to_transform: [0, 2] });
    const back = parseAdapterConfig(JSON.parse(JSON.stringify(j)));
    expect(back.warnings).toEqual([]);
    expect(back.config.fields()).toEqual({ ...c.fields(), inference_mode: true, peft_version: PEFT_VERSION });
  });
});
