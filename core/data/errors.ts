// Dataset errors always say where: the file and, for line-based formats, the 1-based line.

export class DatasetError extends Error {
  constructor(readonly file: string, readonly line: number | null, detail: string) {
    super(`${file}${line === null ? '' : `:${line}`}: ${detail}`);
    this.name = 'DatasetError';
  }
}

/** UTF-8 text of a file; invalid bytes are an error naming the file, not replacement chars. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError(file, lineOfInvalidUtf8(bytes), 'invalid UTF-8');
  }
}

function lineOfInvalidUtf8(bytes: Uint8Array): number | null {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        dec.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line += 1;
      start = i + 1;
    }
  }
  return null;
}
