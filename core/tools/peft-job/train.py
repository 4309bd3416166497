"""BOFT finetuning with Hugging Face PEFT + transformers' Trainer, exported by `boft export-peft`.

The experiment (BOFTConfig fields, TrainingArguments, dataset, data split) is read from
experiment.json beside this file, so the job trains what the studio trained.

  single process:   python train.py
  several GPUs:     accelerate launch --config_file accelerate_config.yaml train.py
                    torchrun --nproc_per_node=<gpus> train.py
The adapter is written to <output_dir>/adapter (adapter_config.json + adapter_model.safetensors),
which `boft run --adapter`, `boft convert` and the studio load.
"""
import argparse
import csv
import json
import math
import os

import torch
from safetensors.torch import load_file
from peft import BOFTConfig, get_peft_model
from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

HERE = os.path.dirname(os.path.abspath(__file__))
DIGIT_MLP = 'DigitMLPForImageClassification'


class DigitMLP(torch.nn.Module):
    """PyTorch twin of the studio's sample model (same parameter names and math)."""

    def __init__(self, config):
        super().__init__()
        d = config['num_channels'] * config['image_size'] ** 2
        self.fc1 = torch.nn.Linear(d, config['hidden_size'])
        self.fc2 = torch.nn.Linear(config['hidden_size'], config['hidden_size'])
        self.classifier = torch.nn.Linear(config['hidden_size'], config['num_labels'])

    def forward(self, pixel_values, labels=None):
        h = torch.nn.functional.gelu(self.fc1(pixel_values.flatten(1)))
        logits = self.classifier(torch.nn.functional.gelu(self.fc2(h)))
        loss = torch.nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return {'loss': loss, 'logits': logits}


def load_base_model(model_dir, task):
    with open(os.path.join(model_dir, 'config.json')) as f:
        config = json.load(f)
    if config.get('architectures', [None])[0] == DIGIT_MLP:
        model = DigitMLP(config)
        model.load_state_dict(load_file(os.path.join(model_dir, 'model.safetensors')))
        return model, None
    from transformers import (AutoModelForCausalLM, AutoModelForImageClassification,
                              AutoModelForSequenceClassification, AutoTokenizer)
    auto = {'image-classification': AutoModelForImageClassification,
            'sequence-classification': AutoModelForSequenceClassification,
            'causal-lm': AutoModelForCausalLM}[task]
    tokenizer = AutoTokenizer.from_pretrained(model_dir) if task != 'image-classification' else None
    return auto.from_pretrained(model_dir), tokenizer


class Rows(torch.utils.data.Dataset):
    def __init__(self, columns, index):
        self.columns, self.index = columns, index

    def __len__(self):
        return len(self.index)

    def __getitem__(self, i):
        j = self.index[i]
        return {k: v[j] for k, v in self.columns.items()}


def area_weights(n_in, n_out):
    """[n_out, n_in] box-filter weights: the overlap of output cell o with input pixel i, over the cell."""
    s = n_in / n_out
    taps = []
    for o in range(n_out):
        lo, hi = o * s, (o + 1) * s
        row = [(i, (min(hi, i + 1) - max(lo, i)) / s) for i in range(math.floor(lo), min(n_in, math.ceil(hi)))]
        taps.append([(i, w) for i, w in row if w > 0])
    width = max(len(t) for t in taps)
    # Padded with zero taps after the real ones, so the sums below add in the studio's order.
    index = torch.tensor([[i for i, _ in t] + [0] * (width - len(t)) for t in taps])
    weight = torch.tensor([[w for _, w in t] + [0.0] * (width - len(t)) for t in taps], dtype=torch.float64)
    return index, weight


def area_pixels(image, plan):
    """The studio's pixels without a preprocessor_config.json: [C, H, W] in [0, 1], float64 math."""
    from PIL import Image  # noqa: F401  (an image folder needs Pillow)
    rgb = torch.tensor(list(image.convert('RGBA').getdata()), dtype=torch.float64)[:, :3].view(image.height, image.width, 3)
    if plan['channels'] == 3:
        planes = [rgb[..., c] / 255 for c in range(3)]
    else:
        planes = [(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255]
    iy, wy = area_weights(image.height, plan['height'])
    ix, wx = area_weights(image.width, plan['width'])
    out = []
    for p in planes:
        acc = torch.zeros(plan['height'], plan['width'], dtype=torch.float64)
        for ky in range(iy.shape[1]):
            for kx in range(ix.shape[1]):
                acc += (wy[:, ky, None] * wx[None, :, kx]) * p[iy[:, ky]][:, ix[:, kx]]
        out.append(1 - acc if plan.get('invert') else acc)
    return torch.stack(out).float()


def read_image_folder(ds, root, files, model_dir):
    """files: [relative path, label] in the studio's order; pixels as the studio's loader makes them."""
    from PIL import Image
    images = [Image.open(os.path.join(root, f)) for f, _ in files]
    plan = ds['pixels']
    if plan['kind'] == 'preprocessor':
        from transformers import AutoImageProcessor
        processor = AutoImageProcessor.from_pretrained(model_dir, use_fast=False)
        pixels = processor(images=[im.convert('RGB') for im in images], return_tensors='pt')['pixel_values']
    elif plan['kind'] == 'area':
        pixels = torch.stack([area_pixels(im, plan) for im in images])
    else:
        raise SystemExit(f"experiment.json: unknown pixel plan {plan['kind']!r} (known: preprocessor, area)")
    return {'pixel_values': pixels.float(), 'labels': torch.tensor([label for _, label in files])}


def read_examples(ds, path, tokenizer, files=None, model_dir=None):
    """Columns of equal length (classification) or a list of documents (causal LM)."""
    kind = ds['kind']
    if kind == 'image-folder':
        return read_image_folder(ds, path, files, model_dir)
    if kind == 'image-tensors':
        t = load_file(path)
        return {'pixel_values': t['pixel_values'].float(), 'labels': t['labels'].long()}
    if kind == 'text-classification':
        if ds['format'] == 'csv':
            with open(path, newline='', encoding='utf-8') as f:
                rows = list(csv.DictReader(f))
        else:
            with open(path, encoding='utf-8') as f:
                rows = [json.loads(line) for line in f if line.strip()]
        texts = [r[ds.get('text_field') or 'text'] for r in rows]
        names = ds['class_names']
        labels = torch.tensor([names.index(str(r[ds.get('label_field') or 'label'])) for r in rows])
        enc = tokenizer(texts, truncation=True, max_length=ds.get('max_length') or 128, padding='max_length', return_tensors='pt')
        return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': labels}
    if kind == 'causal-lm':
        with open(path, encoding='utf-8') as f:
            text = f.read()
        field = ds.get('text_field') or 'text'
        if ds['format'] == 'jsonl':
            return [json.loads(line)[field] for line in text.splitlines() if line.strip()]
        return [p.strip() for p in text.split('\n\n') if p.strip()]
    raise SystemExit(f"dataset kind '{kind}' is not supported by the exported job (supported: image-tensors, image-folder, text-classification, causal-lm)")


def pack(docs, tokenizer, block_size):
    """Concatenate token ids and cut into blocks, dropping the remainder (run_clm's group_texts)."""
    ids = [t for d in docs for t in tokenizer(d)['input_ids']]
    n = len(ids) // block_size
    blocks = torch.tensor(ids[:n * block_size]).view(n, block_size)
    return Rows({'input_ids': blocks, 'labels': blocks.clone()}, list(range(n)))


def datasets(spec, data_path, tokenizer, model_dir):
    """Train/validation sets with the studio's split (indices written by export-peft)."""
    ds, split = spec['dataset'], spec['split']
    main_ex = read_examples(ds, data_path, tokenizer, ds.get('files'), model_dir)
    val_ex = read_examples(ds, split['validation_path'], tokenizer, ds.get('validation_files'), model_dir) if split['validation_path'] else None
    n = len(main_ex) if isinstance(main_ex, list) else len(main_ex['labels'])
    train_idx = split['train'] if split['train'] is not None else list(range(n))
    if isinstance(main_ex, list):
        val_docs = val_ex if val_ex is not None else [main_ex[i] for i in split['validation'] or []]
        val = pack(val_docs, tokenizer, ds['block_size']) if val_docs else None
        return pack([main_ex[i] for i in train_idx], tokenizer, ds['block_size']), val
    if val_ex is not None:
        return Rows(main_ex, train_idx), Rows(val_ex, list(range(len(val_ex['labels']))))
    return Rows(main_ex, train_idx), (Rows(main_ex, split['validation']) if split['validation'] else None)


def training_arguments(spec, output_dir, max_steps, use_cpu):
    t = dict(spec['training'])
    patience = t.pop('early_stopping_patience')
    threshold = t.pop('early_stopping_threshold')
    if max_steps is not None:
        t['max_steps'] = max_steps
    evaluate = t['eval_steps'] > 0
    extra = {}
    if patience > 0:  # transformers needs the best checkpoint saved on the evaluation schedule
        extra = {'load_best_model_at_end': True, 'save_steps': t['eval_steps'], 'greater_is_better': t['metric_for_best_model'] != 'eval_loss'}
    args = TrainingArguments(
        output_dir=output_dir, eval_strategy='steps' if evaluate else 'no',
        save_strategy='steps' if (t['save_steps'] > 0 or patience > 0) else 'no',
        report_to='none', remove_unused_columns=False, use_cpu=use_cpu, **{**t, **extra})
    callbacks = [EarlyStoppingCallback(patience, threshold)] if patience > 0 else []
    return args, callbacks


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--experiment', default=os.path.join(HERE, 'experiment.json'))
    p.add_argument('--model', help='base model folder (default: the one in experiment.json)')
    p.add_argument('--data', help='dataset path (default: the one in experiment.json)')
    p.add_argument('--output-dir', help='default: output_dir in experiment.json')
    p.add_argument('--max-steps', type=int)
    p.add_argument('--cpu', action='store_true', help='force CPU (PEFT then runs BOFT with m=1, see README)')
    a = p.parse_args()
    with open(a.experiment) as f:
        spec = json.load(f)
    model_dir = a.model or spec['model_dir']
    model, tokenizer = load_base_model(model_dir, spec['task'])
    train, val = datasets(spec, a.data or spec['dataset']['resolved_path'], tokenizer, model_dir)
    peft_model = get_peft_model(model, BOFTConfig(**spec['boft']))
    peft_model.print_trainable_parameters()
    output_dir = a.output_dir or spec['output_dir']
    args, callbacks = training_arguments(spec, output_dir, a.max_steps, a.cpu)
    trainer = Trainer(model=peft_model, args=args, train_dataset=train, eval_dataset=val, callbacks=callbacks)
    trainer.train()
    if trainer.is_world_process_zero():
        peft_model.save_pretrained(os.path.join(output_dir, 'adapter'))
        print('adapter written to', os.path.join(output_dir, 'adapter'))


if __name__ == '__main__':
    main()
