// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. Every record
// keeps the line it starts on so errors can point at it.
import { DatasetError } from './errors';

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

/** Parses CSV text with a header row; every record must have the header's field count. */
export function parseCsv(text: string, file: string): CsvTable {
  const all = splitRecords(text, file);
  if (all.length === 0) throw new DatasetError(file, 1, 'empty CSV: a header row is required');
  const [head, ...records] = all;
  for (const r of records) {
    if (r.fields.length !== head.fields.length) {
      throw new DatasetError(file, r.line, `expected ${head.fields.length} fields (${head.fields.join(', ')}), found ${r.fields.length}`);
    }
  }
  return { header: head.fields, records };
}

function splitRecords(text: string, file: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // BOM
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inQuotes) {
      if (c === '"' && src[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') inQuotes = false;
      else { if (c === '\n') line++; field += c; }
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new DatasetError(file, line, 'a quote may only open a field');
      inQuotes = true;
      quoteLine = line;
    } else if (c === ',') { fields.push(field); field = ''; }
    else if (c === '\n') { endRecord(); line++; recordLine = line; }
    else if (c !== '\r') field += c;
  }
  if (inQuotes) throw new DatasetError(file, quoteLine, 'unterminated quoted field');
  endRecord();
  return out;
}
