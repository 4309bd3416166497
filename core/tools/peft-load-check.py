"""Loads BOFT adapters written by BOFT Studio with PEFT's PeftModel.from_pretrained and writes
PEFT's logits, so a test can compare them with ours (core/node/peft-interop.test.ts).

  .venv-ref/bin/python core/tools/peft-load-check.py cases.json

cases.json: a list of {model_dir, task: 'sequence-classification' | 'causal-lm', adapter_dir, m,
inputs (safetensors of forward inputs), out (safetensors to write)}. For each case it checks,
before writing anything, that PEFT built boft_R with the adapter's m (m > 1 runs through the
pure-PyTorch stand-in for PEFT's CUDA extension, see README.md) and that PEFT's adapter state
equals the file's tensors exactly (no key missing, renamed or ignored). It writes `logits` (adapter
on) and `logits_disabled` (PEFT's disable_adapter()).
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import boft_reference as ref  # noqa: E402
from peft import PeftModel, get_peft_model_state_dict  # noqa: E402
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification  # noqa: E402

AUTO = {'sequence-classification': AutoModelForSequenceClassification, 'causal-lm': AutoModelForCausalLM}


def check_state(model, adapter_dir, m):
    saved = load_file(str(Path(adapter_dir) / 'adapter_model.safetensors'))
    live = get_peft_model_state_dict(model)
    if sorted(saved) != sorted(live):
        raise SystemExit(f'{adapter_dir}: PEFT state keys differ from the file: only in file {sorted(set(saved) - set(live))}, only in PEFT {sorted(set(live) - set(saved))}')
    for k, v in saved.items():
        if not torch.equal(v, live[k].detach().cpu()):
            raise SystemExit(f'{adapter_dir}: {k} differs between the file and PEFT')
        if k.endswith('boft_R') and v.shape[0] != m:
            raise SystemExit(f'{adapter_dir}: {k} has m={v.shape[0]}, expected {m}')
    return len(saved)


def run(case):
    # m > 1 needs PEFT's CUDA extension; the stand-in is its pure-PyTorch equivalent. m = 1 takes
    # the path of a machine without the extension.
    ref.use_stand_in() if case['m'] > 1 else ref.use_no_extension()
    base = AUTO[case['task']].from_pretrained(case['model_dir'])
    model = PeftModel.from_pretrained(base, case['adapter_dir']).eval()
    n = check_state(model, case['adapter_dir'], case['m'])
    inputs = {k: v for k, v in load_file(case['inputs']).items() if k != 'labels'}
    with torch.no_grad():
        logits = model(**inputs).logits
        with model.disable_adapter():
            disabled = model(**inputs).logits
    save_file({'logits': logits.contiguous(), 'logits_disabled': disabled.contiguous()}, case['out'])
    print(f"{case['adapter_dir']}: {n} tensors loaded by PEFT, m={case['m']}")


def main():
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        for case in json.load(f):
            run(case)


if __name__ == '__main__':
    main()
