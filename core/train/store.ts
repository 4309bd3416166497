// Where checkpoints go. The trainer writes whole checkpoints through this interface; the
// Node host implements it on disk (core/node/train-files.ts), tests and the studio in memory.

export type CheckpointFiles = Map<string, Uint8Array>;

export interface CheckpointStore {
  /** Writes every file of checkpoint `name`, all or nothing; returns where it lives. */
  save(name: string, files: CheckpointFiles): Promise<string>;
  load(name: string): Promise<CheckpointFiles>;
  /** Complete checkpoints, oldest first. */
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
}

export function checkpointName(step: number): string {
  return `checkpoint-${step}`;
}

/** Step of a checkpoint name, for ordering (null for other names). */
export function checkpointStep(name: string): number | null {
  const m = /^checkpoint-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly items = new Map<string, CheckpointFiles>();

  async save(name: string, files: CheckpointFiles): Promise<string> {
    this.items.set(name, new Map([...files].map(([k, v]) => [k, v.slice()])));
    return `memory:${name}`;
  }

  async load(name: string): Promise<CheckpointFiles> {
    const f = this.items.get(name);
    if (!f) throw new Error(`no checkpoint '${name}' (have: ${[...this.items.keys()].join(', ') || 'none'})`);
    return new Map([...f].map(([k, v]) => [k, v.slice()]));
  }

  async list(): Promise<string[]> {
    return [...this.items.keys()].sort((a, b) => (checkpointStep(a) ?? 0) - (checkpointStep(b) ?? 0));
  }

  async remove(name: string): Promise<void> {
    this.items.delete(name);
  }
}
