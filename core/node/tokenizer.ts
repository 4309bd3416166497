// Tokenizers from a model folder's tokenizer.json (+ tokenizer_config.json when present),
// through @huggingface/tokenizers: byte-level BPE (GPT-2, LLaMA 3, Qwen2), WordPiece (BERT),
// and the other models that library implements. Batches are padded for the model's forward.
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './checkpoint';

export interface LoadedTokenizer {
  tokenizer: Tokenizer;
  /** Pad id: the config's pad token, else 0 (the mask hides padded positions anyway). */
  padId: number;
}

export interface EncodedBatch {
  /** [B, T] row-major. */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  shape: [number, number];
}

/** Reads `<dir>/tokenizer.json`; a missing file is an error naming it. */
export function loadTokenizer(dir: string): LoadedTokenizer {
  const json = readJsonFile(join(dir, 'tokenizer.json'));
  const configPath = join(dir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? readJsonFile(configPath) : {};
  const tokenizer = new Tokenizer(json, config);
  const pad = config.pad_token;
  const padText = typeof pad === 'string' ? pad : typeof pad === 'object' && pad !== null ? (pad as { content?: unknown }).content : undefined;
  const padIds = typeof padText === 'string' ? tokenizer.encode(padText, { add_special_tokens: false }).ids : [];
  return { tokenizer, padId: padIds.length === 1 ? padIds[0] : 0 };
}

/** Token ids of one text, with the tokenizer's special tokens unless told otherwise. */
export function encodeText(t: LoadedTokenizer, text: string, addSpecialTokens = true): number[] {
  return t.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
}

/** Encodes and right-pads a batch (right padding keeps every query row attending to something). */
export function encodeBatch(t: LoadedTokenizer, texts: string[], maxLength?: number): EncodedBatch {
  const encoded = texts.map((s) => t.tokenizer.encode(s, { add_special_tokens: true, return_token_type_ids: true }));
  const longest = Math.max(1, ...encoded.map((e) => e.ids.length));
  const len = maxLength === undefined ? longest : Math.min(maxLength, longest);
  const b = texts.length;
  const out: EncodedBatch = {
    inputIds: new Int32Array(b * len).fill(t.padId),
    attentionMask: new Int32Array(b * len),
    tokenTypeIds: new Int32Array(b * len),
    shape: [b, len],
  };
  encoded.forEach((e, i) => {
    const n = Math.min(e.ids.length, len);
    for (let j = 0; j < n; j++) {
      out.inputIds[i * len + j] = e.ids[j];
      out.attentionMask[i * len + j] = 1;
      out.tokenTypeIds[i * len + j] = e.token_type_ids?.[j] ?? 0;
    }
  });
  return out;
}
