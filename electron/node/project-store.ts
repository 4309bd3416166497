// Project files (.boftproj): JSON checked against the contract's schema on read and write,
// written atomically (temp file + rename) so a crash never leaves half a project.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { PROJECT_EXTENSION, StudioError } from '../shared/contract';
import { projectSchema, type Project } from '../shared/schemas';
import type { ProjectStore } from '../worker/ports';

const MAX_RECENT = 12;

export class FileProjectStore implements ProjectStore {
  constructor(private readonly home: string) {}

  async open(path: string): Promise<Project> {
    const file = resolve(path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new StudioError('NOT_FOUND', `cannot read project ${file}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new StudioError('IO', `${file} is not valid JSON: ${(e as Error).message}`);
    }
    const parsed = projectSchema.safeParse(json);
    if (!parsed.success) throw new StudioError('IO', `${file} is not a BOFT Studio project: ${z.prettifyError(parsed.error)}`);
    await this.remember(file);
    return parsed.data;
  }

  async save(path: string, project: Project): Promise<string> {
    const file = resolve(path);
    if (!file.endsWith(PROJECT_EXTENSION)) {
      throw new StudioError('INVALID_REQUEST', `project files end in ${PROJECT_EXTENSION}; got ${file}`);
    }
    const checked = projectSchema.parse(project);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(checked, null, 2)}\n`);
      await rename(tmp, file);
    } catch (e) {
      throw new StudioError('IO', `cannot write project ${file}: ${(e as Error).message}`);
    }
    await this.remember(file);
    return file;
  }

  async recent(): Promise<string[]> {
    try {
      const list = z.array(z.string()).safeParse(JSON.parse(await readFile(this.recentFile(), 'utf8')));
      return list.success ? list.data : [];
    } catch {
      return [];
    }
  }

  private recentFile(): string {
    return join(this.home, 'recent-projects.json');
  }

  private async remember(file: string): Promise<void> {
    const list = [file, ...(await this.recent()).filter((p) => p !== file)].slice(0, MAX_RECENT);
    await mkdir(this.home, { recursive: true });
    await writeFile(this.recentFile(), JSON.stringify(list));
  }
}
