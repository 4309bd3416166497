"""Loads BOFT adapters written by BOFT Studio with PEFT's PeftModel.from_pretrained and writes
PEFT's logits, so they can be compared with ours.

  .venv-ref/bin/python core/tools/peft-load-check.py cases.json           # CPU, core/node/peft-interop.test.ts
  python3 core/tools/peft-load-check.py --cuda .device-interop/cases.json  # a GPU machine, see README.md

cases.json: a list of {model_dir, task: 'sequence-classification' | 'causal-lm', adapter_dir, m,
inputs (safetensors of forward inputs), out (safetensors to write), ours (optional: safetensors
with our `logits`)}. For each case it checks, before writing anything, that PEFT built boft_R with
the adapter's m and that PEFT's adapter state equals the file's tensors exactly (no key missing,
renamed or ignored). It writes `logits` (adapter on) and `logits_disabled` (PEFT's
disable_adapter()). Where `ours` is given it also prints the max-norm relative error of our
logits against PEFT's and fails above 1e-5.

On CPU, m > 1 runs through the pure-PyTorch stand-in for PEFT's CUDA extension (README.md) and
m = 1 takes the path of a machine without the extension. With --cuda, PEFT compiles and uses its
real `fbd_cuda` extension (boft_reference.use_cuda_extension) for every m, on the GPU, with TF32 off.
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
TOL = 1e-5


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


def rel_err(got, want):
    return ((got.double() - want.double()).abs().max() / want.double().abs().max()).item()


def run(case, device):
    if device == 'cpu':
        ref.use_stand_in() if case['m'] > 1 else ref.use_no_extension()
    base = AUTO[case['task']].from_pretrained(case['model_dir'])
    model = PeftModel.from_pretrained(base, case['adapter_dir']).to(device).eval()
    n = check_state(model, case['adapter_dir'], case['m'])
    inputs = {k: v.to(device) for k, v in load_file(case['inputs']).items() if k != 'labels'}
    with torch.no_grad():
        logits = model(**inputs).logits.cpu()
        with model.disable_adapter():
            disabled = model(**inputs).logits.cpu()
    save_file({'logits': logits.contiguous(), 'logits_disabled': disabled.contiguous()}, case['out'])
    line = f"{case['adapter_dir']}: {n} tensors loaded by PEFT on {device}, m={case['m']}"
    if 'ours' in case:
        err = rel_err(load_file(case['ours'])['logits'], logits)
        line += f', ours vs PEFT max-norm relative error {err:.2e} (adapter on/off differ by {rel_err(disabled, logits):.2e})'
        if not err < TOL:
            raise SystemExit(f'{line}: above {TOL}')
    print(line, flush=True)


def main():
    args = sys.argv[1:]
    device = 'cpu'
    if args[:1] == ['--cuda']:
        device, args = 'cuda', args[1:]
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        print(f'fbd_cuda: {ref.use_cuda_extension()}', flush=True)
    torch.set_num_threads(1)
    with open(args[0]) as f:
        for case in json.load(f):
            run(case, device)


if __name__ == '__main__':
    main()
