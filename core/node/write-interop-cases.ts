// Writes the interop adapters and our logits for a GPU machine's PEFT check (see
// core/tools/README.md, "PEFT's CUDA extension"): paths in cases.json are relative to the
// checkout, because the checkout is copied to that machine.
//   npx tsx core/node/write-interop-cases.ts .device-interop
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeInteropCases } from './peft-interop-cases';
import { initBackend } from './backend';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const dir = resolve(process.argv[2] ?? join(ROOT, '.device-interop'));
mkdirSync(dir, { recursive: true });
await initBackend('cpu');
const { jobs } = await writeInteropCases(dir, join(ROOT, 'core', 'testing', 'fixtures', 'models'), ROOT);
console.log(`wrote ${jobs.length} adapters and our logits to ${dir}`);
