// `boft export-peft <run.json> <dir>`: the same experiment as a Python job for clusters —
// PEFT BOFTConfig fields, transformers TrainingArguments, the studio's exact data split,
// a Trainer script (core/tools/peft-job/train.py), an accelerate config and a README.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';
import { parseRunSpec, type DatasetSpec, type RunSpec } from '../../train/run-spec';
import { parseImageTensors } from '../../data/tensors';
import { parseCausalLm, parseTextClassification } from '../../data/text';
import { datasetSize, labelVocabulary, type Dataset } from '../../data/dataset';
import { listImageFolder, pixelPlan } from '../datasets';
import { readModelConfig } from '../checkpoint';
import { trainValidationSplit } from '../../data/split';
import { acceleratePeftConfig, peftJobReadme } from '../../train/export-peft';

const usage = `usage: boft export-peft <run.json> <out-dir> [--num-processes N]

Writes <out-dir>/train.py (PEFT + transformers Trainer), experiment.json (BOFTConfig fields,
TrainingArguments, dataset and the studio's train/validation split), accelerate_config.yaml
and README.md (launching with accelerate launch / torchrun on several GPUs).`;

const TASK_OF: Record<DatasetSpec['kind'], string> = {
  'image-tensors': 'image-classification',
  'image-folder': 'image-classification',
  'text-classification': 'sequence-classification',
  'causal-lm': 'causal-lm',
};

function readDataset(spec: Exclude<DatasetSpec, { kind: 'image-folder' }>, path: string): Dataset {
  const bytes = new Uint8Array(readFileSync(path));
  switch (spec.kind) {
    case 'image-tensors':
      return parseImageTensors(bytes, path);
    case 'text-classification':
      return parseTextClassification(bytes, path, spec.format, { textField: spec.text_field ?? 'text', labelField: spec.label_field ?? 'label' });
    case 'causal-lm':
      return parseCausalLm(bytes, path, spec.format, spec.text_field ?? 'text');
    default: {
      const never: never = spec;
      throw new Error(`unknown dataset ${JSON.stringify(never)}`);
    }
  }
}

/** Example count, class names, and what train.py needs beyond the spec to read the data. */
interface DataFacts {
  n: number;
  classNames: string[] | null;
  extra: Record<string, unknown>;
}

/** `[relative path, label]` per image, in the loader's order (split indices refer to it). */
function folderFiles(root: string, names: string[]): [string, number][] {
  return listImageFolder(root).map((e) => {
    const label = names.indexOf(e.className);
    if (label < 0) throw new Error(`${join(root, e.relative)}: class '${e.className}' is not among ${names.join(', ')}`);
    return [e.relative, label];
  });
}

/**
 * An image folder is listed, not decoded: train.py gets the file list in our order, so the
 * split indices mean the same images, and the pixel plan our loader would follow.
 */
function imageFolderFacts(root: string, validationRoot: string | null, modelDir: string): DataFacts {
  const names = labelVocabulary(listImageFolder(root).map((e) => e.className));
  const files = folderFiles(root, names);
  const plan = pixelPlan(modelDir, readModelConfig(modelDir));
  return {
    n: files.length, classNames: names,
    extra: { files, validation_files: validationRoot ? folderFiles(validationRoot, names) : null, pixels: plan },
  };
}

function dataFacts(spec: DatasetSpec, path: string, validationPath: string | null, modelDir: string): DataFacts {
  if (spec.kind === 'image-folder') return imageFolderFacts(path, validationPath, modelDir);
  const data = readDataset(spec, path);
  return { n: datasetSize(data), classNames: data.kind === 'causal-lm' ? null : data.classNames, extra: {} };
}

/** experiment.json: everything train.py needs, with absolute paths. */
export function experimentJson(spec: RunSpec, baseDir: string, outDir: string): Record<string, unknown> {
  const dataPath = resolve(baseDir, spec.dataset.path);
  const validationPath = spec.dataset.validation_path ? resolve(baseDir, spec.dataset.validation_path) : null;
  const modelDir = resolve(baseDir, spec.model);
  const { n, classNames, extra } = dataFacts(spec.dataset, dataPath, validationPath, modelDir);
  const s = !validationPath && spec.dataset.validation_split !== undefined ? trainValidationSplit(n, spec.dataset.validation_split, spec.training.seed) : null;
  const boft = spec.boft.fields();
  const { diagnostics_steps: _unused, ...training } = spec.training;
  return {
    model_dir: modelDir,
    task: TASK_OF[spec.dataset.kind],
    dataset: { ...spec.dataset, resolved_path: dataPath, class_names: classNames, ...extra },
    split: { train: s ? [...s.train] : null, validation: s ? [...s.validation] : null, validation_path: validationPath },
    boft: {
      task_type: boft.task_type, target_modules: boft.target_modules, exclude_modules: boft.exclude_modules,
      boft_block_size: boft.boft_block_size, boft_block_num: boft.boft_block_num, boft_n_butterfly_factor: boft.boft_n_butterfly_factor,
      boft_dropout: boft.boft_dropout, fan_in_fan_out: boft.fan_in_fan_out, bias: boft.bias, modules_to_save: boft.modules_to_save,
      init_weights: boft.init_weights, layers_to_transform: boft.layers_to_transform, layers_pattern: boft.layers_pattern,
    },
    training,
    output_dir: join(outDir, 'output'),
  };
}

export function exportPeft(runPath: string, outDir: string, numProcesses = 2): string[] {
  if (!existsSync(runPath)) throw new Error(`${runPath}: file not found`);
  const spec = parseRunSpec(JSON.parse(readFileSync(runPath, 'utf8')), runPath);
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const experiment = experimentJson(spec, dirname(resolve(runPath)), out);
  copyFileSync(new URL('../../tools/peft-job/train.py', import.meta.url), join(out, 'train.py'));
  // Index lists on one line each: the file stays readable for editing the arguments.
  const text = JSON.stringify(experiment, null, 2).replace(/\[\s+([\d,\s]+?)\s+\]/g, (_m, inner: string) => `[${inner.replace(/\s+/g, '')}]`);
  writeFileSync(join(out, 'experiment.json'), text + '\n');
  writeFileSync(join(out, 'accelerate_config.yaml'), acceleratePeftConfig(numProcesses));
  writeFileSync(join(out, 'README.md'), peftJobReadme(spec, numProcesses));
  return ['train.py', 'experiment.json', 'accelerate_config.yaml', 'README.md'].map((f) => join(out, f));
}

export const command: CliCommand = {
  name: 'export-peft',
  summary: 'write the experiment as a PEFT + transformers Trainer job (accelerate / torchrun)',
  usage,
  async run(argv, io: CliIO) {
    const { positionals, values } = parseCli(argv, { 'num-processes': { type: 'string' } });
    if (positionals.length !== 2) throw new UsageError(`expected <run.json> <out-dir>, got ${positionals.length} argument(s)`);
    const n = typeof values['num-processes'] === 'string' ? Number(values['num-processes']) : 2;
    if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`--num-processes ${String(values['num-processes'])} must be a positive integer`);
    for (const f of exportPeft(positionals[0], positionals[1], n)) io.out(`wrote ${f}`);
    return 0;
  },
};
