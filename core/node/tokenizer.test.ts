// Tokenizer ids against transformers' PreTrainedTokenizerFast on the same tokenizer.json
// (fixtures written by core/tools/make-model-fixtures.py). Exact equality of every id.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBatch, encodeText, loadTokenizer } from './tokenizer';

const ROOT = join(__dirname, '..', 'testing', 'fixtures', 'models', 'tokenizers');

interface Expected {
  sentences: string[];
  input_ids: number[][];
}

describe.each(['bpe', 'wordpiece', 'metaspace_bpe'])('tokenizer %s', (kind) => {
  const dir = join(ROOT, kind);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;

  it('gives the ids transformers gives, sentence by sentence', () => {
    const tok = loadTokenizer(dir);
    expected.sentences.forEach((s, i) => {
      expect(encodeText(tok, s), JSON.stringify(s)).toEqual(expected.input_ids[i]);
    });
  });

  it('pads a batch on the right with a matching attention mask', () => {
    const tok = loadTokenizer(dir);
    const batch = encodeBatch(tok, expected.sentences);
    const [b, t] = batch.shape;
    expect(b).toBe(expected.sentences.length);
    expect(t).toBe(Math.max(...expected.input_ids.map((r) => r.length)));
    expected.input_ids.forEach((ids, i) => {
      const row = Array.from(batch.inputIds.subarray(i * t, i * t + ids.length));
      const mask = Array.from(batch.attentionMask.subarray(i * t, (i + 1) * t));
      expect(row).toEqual(ids);
      expect(mask).toEqual([...ids.map(() => 1), ...Array<number>(t - ids.length).fill(0)]);
    });
  });
});

it('names the missing file', () => {
  expect(() => loadTokenizer(join(ROOT, 'nope'))).toThrow(/tokenizer\.json: file not found/);
});
