import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileProjectStore } from './project-store';
import type { Project } from '../shared/schemas';

const project: Project = { version: 1, name: 'digits', model: { kind: 'sample' }, config: { boft_block_size: 8, target_modules: ['fc1'] }, hyper: null, dataset: null, adapters: {}, runs: [] };

describe('FileProjectStore', () => {
  it('round-trips a project, keeps a recent list, and names bad files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boft-proj-'));
    const store = new FileProjectStore(join(dir, 'home'));
    const file = join(dir, 'a', 'p.boftproj');
    expect(await store.save(file, project)).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(project);
    expect(await store.open(file)).toEqual(project);
    expect(await store.recent()).toEqual([file]);
    await expect(store.save(join(dir, 'p.json'), project)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    writeFileSync(join(dir, 'bad.boftproj'), '{"version": 2}');
    await expect(store.open(join(dir, 'bad.boftproj'))).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('bad.boftproj') });
    await expect(store.open(join(dir, 'none.boftproj'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
