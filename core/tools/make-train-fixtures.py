"""Golden values for core/train from the reference stack (torch, transformers).

Run with the local Python mirror:  .venv-ref/bin/python core/tools/make-train-fixtures.py
Writes core/train/fixtures/train-reference.json. Inputs are closed-form so the TypeScript
test rebuilds them without reading tensors from this file.
"""
import json
import math
import os

import torch
import transformers
from transformers import (get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup,
                          get_linear_schedule_with_warmup)

OUT = os.path.join(os.path.dirname(__file__), '..', 'train', 'fixtures', 'train-reference.json')


def schedule_values(kind, warmup, total, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    if kind == 'constant':
        sch = get_constant_schedule_with_warmup(opt, warmup)
    elif kind == 'linear':
        sch = get_linear_schedule_with_warmup(opt, warmup, total)
    else:
        sch = get_cosine_schedule_with_warmup(opt, warmup, total)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]['lr'])
        opt.step()
        sch.step()
    return out


def grad_at(t, i):
    # Matches gradAt() in the TypeScript test.
    return math.sin(0.7 * i + 1.3 * t) * (0.5 + 0.1 * t)


def adamw_trace(shape, steps, lrs, wd, betas, eps):
    n = shape[0] * shape[1]
    p0 = [math.cos(0.3 * i) for i in range(n)]
    p = torch.nn.Parameter(torch.tensor(p0, dtype=torch.float64).reshape(shape))
    opt = torch.optim.AdamW([p], lr=lrs[0], betas=betas, eps=eps, weight_decay=wd)
    trace = []
    for t in range(steps):
        opt.param_groups[0]['lr'] = lrs[t]
        p.grad = torch.tensor([grad_at(t, i) for i in range(n)], dtype=torch.float64).reshape(shape)
        opt.step()
        trace.append(p.detach().reshape(-1).tolist())
    return {'shape': shape, 'lrs': lrs, 'weight_decay': wd, 'betas': list(betas), 'eps': eps, 'params': trace}


def clip_case(max_norm):
    gs = [torch.tensor([grad_at(0, i) * 3 for i in range(6)], dtype=torch.float32),
          torch.tensor([grad_at(1, i) for i in range(4)], dtype=torch.float32)]
    ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in gs]
    for p, g in zip(ps, gs):
        p.grad = g.clone()
    norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    return {'max_norm': max_norm, 'norm': float(norm), 'grads': [p.grad.tolist() for p in ps]}


def main():
    cases = [(k, w, 20) for k in ('constant', 'linear', 'cosine') for w in (0, 3)]
    data = {
        'versions': {'torch': torch.__version__, 'transformers': transformers.__version__},
        'schedules': [{'kind': k, 'warmup': w, 'total': tot, 'values': schedule_values(k, w, tot, 24)} for k, w, tot in cases],
        'adamw': [adamw_trace([3, 4], 6, [1e-2, 2e-2, 5e-3, 1e-2, 1e-2, 3e-2], 0.01, (0.9, 0.999), 1e-8),
                  adamw_trace([2, 5], 4, [1e-1, 1e-1, 1e-1, 1e-1], 0.0, (0.8, 0.95), 1e-6)],
        'clip': [clip_case(1.0), clip_case(100.0)],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(data, f)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
