// Training output on disk: checkpoints written atomically (a temporary folder renamed into
// place, so an interrupted save never leaves a torn checkpoint), and metrics.jsonl.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointStep, type CheckpointFiles, type CheckpointStore } from '../train/store';
import { TRAINER_STATE_FILE } from '../train/checkpoint';

export class DiskCheckpointStore implements CheckpointStore {
  constructor(readonly dir: string) {}

  async save(name: string, files: CheckpointFiles): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    const final = join(this.dir, name);
    const tmp = join(this.dir, `.${name}.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const [f, bytes] of files) writeFileSync(join(tmp, f), bytes);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    return final;
  }

  async load(name: string): Promise<CheckpointFiles> {
    const dir = join(this.dir, name);
    if (!existsSync(dir)) throw new Error(`checkpoint '${dir}' not found`);
    return new Map(readdirSync(dir).map((f) => {
      const b = readFileSync(join(dir, f));
      return [f, new Uint8Array(b.buffer, b.byteOffset, b.byteLength)];
    }));
  }

  async list(): Promise<string[]> {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => checkpointStep(n) !== null && existsSync(join(this.dir, n, TRAINER_STATE_FILE)))
      .sort((a, b) => (checkpointStep(a) ?? 0) - (checkpointStep(b) ?? 0));
  }

  async remove(name: string): Promise<void> {
    rmSync(join(this.dir, name), { recursive: true, force: true });
  }
}

/** Appends one JSON object per line. */
export class JsonlWriter {
  constructor(readonly path: string, append: boolean) {
    if (!append) writeFileSync(path, '');
  }

  write(record: object): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
  }
}

/** A progress line on stderr: redrawn in place on a TTY, every ~5% otherwise (logs, CI). */
export class ProgressBar {
  private lastPrinted = -1;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(step: number, total: number, loss: number, rate: number, etaSec: number): void {
    const width = 24;
    const filled = Math.round((step / total) * width);
    const eta = `${Math.floor(etaSec / 60)}:${String(Math.round(etaSec % 60)).padStart(2, '0')}`;
    const line = `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${step}/${total} loss ${loss.toFixed(4)} ${rate.toFixed(1)} samples/s ETA ${eta}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${line}`);
      if (step === total) this.stream.write('\n');
      return;
    }
    const every = Math.max(1, Math.floor(total / 20));
    if (step === total || step - this.lastPrinted >= every) {
      this.stream.write(`${line}\n`);
      this.lastPrinted = step;
    }
  }

  /** Ends an in-place line before other output. */
  breakLine(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
