// Text of the exported PEFT job's accelerate config and README (the script itself is
// core/tools/peft-job/train.py). Pure strings, so the studio can preview them.
import type { RunSpec } from './run-spec';

/** accelerate's config for one machine with `numProcesses` GPUs (DDP), fp32 like the studio. */
export function acceleratePeftConfig(numProcesses: number): string {
  return [
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: MULTI_GPU',
    'downcast_bf16: "no"',
    'gpu_ids: all',
    'machine_rank: 0',
    'main_training_function: main',
    'mixed_precision: "no"',
    'num_machines: 1',
    `num_processes: ${numProcesses}`,
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
    '',
  ].join('\n');
}

const IMAGE_FOLDER_NOTES = `- Image folder: experiment.json lists the images (\`dataset.files\`: path under the folder, label) in
  the studio's order, so the split indices pick the same images, and \`dataset.pixels\` says how the
  studio made pixels: \`preprocessor\` (the model's preprocessor_config.json, through transformers'
  slow image processor, which the studio reproduces exactly) or \`area\` (box-filter resize to the
  model's image_size, gray by ITU-R 601 luma, in float64 as the studio does). PNG pixels are then
  identical; Pillow (libjpeg) and the studio (jpeg-js) may decode a JPEG a few 8-bit levels apart.
  Images are read once into memory (no augmentation), as in the studio.
`;

export function peftJobReadme(spec: RunSpec, numProcesses: number): string {
  const t = spec.training;
  const m = spec.boft.boft_n_butterfly_factor;
  return `# ${spec.name ?? 'BOFT experiment'}: PEFT job

Exported by \`boft export-peft\`. It trains the same BOFT adapter as the studio, with Hugging Face
PEFT's \`BOFTConfig\` (fields in \`experiment.json\` → \`boft\`) and transformers' \`Trainer\`
(\`experiment.json\` → \`training\`, TrainingArguments names), on the same train/validation split.

## Requirements
\`pip install torch transformers peft accelerate safetensors${spec.dataset.kind === 'image-folder' ? ' pillow' : ''}\`

## Launch
- One process: \`python train.py\`
- ${numProcesses} GPUs on one machine with accelerate: \`accelerate launch --config_file accelerate_config.yaml train.py\`
- The same with torchrun: \`torchrun --nproc_per_node=${numProcesses} train.py\`
- Several machines: set \`num_machines\`, \`machine_rank\` and \`main_process_ip\` in \`accelerate_config.yaml\`
  (or \`torchrun --nnodes=N --node_rank=R --rdzv_endpoint=HOST:PORT ...\`) on each machine.

Options: \`--model DIR\` and \`--data PATH\` override the paths in experiment.json (absolute paths
of the exporting machine), \`--output-dir DIR\`, \`--max-steps N\`, \`--cpu\`.

## Equivalence notes
- Effective batch size is per_device_train_batch_size (${t.per_device_train_batch_size}) × gradient_accumulation_steps
  (${t.gradient_accumulation_steps}) × number of processes. The studio ran one process; to keep the same effective
  batch on ${numProcesses} GPUs, divide per_device_train_batch_size by ${numProcesses} in experiment.json.
- This run uses boft_n_butterfly_factor=${m}. PEFT runs m > 1 only with its CUDA extension (built on
  first use on a GPU machine with nvcc). Without it PEFT silently trains with m = 1 while the saved
  config still says ${m}; the studio loads such an adapter by its tensor shapes and warns.
- Data order differs from the studio's (torch's sampler vs the studio's seeded order), so losses
  agree statistically, not step for step.
${spec.dataset.kind === 'image-folder' ? IMAGE_FOLDER_NOTES : ''}
## Result
\`<output_dir>/adapter\` holds adapter_config.json and adapter_model.safetensors in PEFT's format;
open it in the studio, or use \`boft run --adapter\`, \`boft merge\` or \`boft convert\`.
`;
}
