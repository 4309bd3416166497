"""Writes matching.json: PEFT 0.21's own check_target_module_exists verdicts for a grid of
module names x BOFT configs, the reference for core/boft/inject.test.ts.
Run: ../../../.venv-ref/bin/python make-matching.py  (from this folder)."""
import json

from peft import BOFTConfig
from peft.tuners.tuners_utils import _ExcludedModule, check_target_module_exists

KEYS = [
    "encoder.layer.0.attention.attention.query", "encoder.layer.0.attention.attention.key",
    "encoder.layer.1.attention.attention.query", "encoder.layer.2.attention.output.dense",
    "encoder.layer.10.intermediate.dense", "encoder.layer.2.mlp.fc1", "classifier", "classifier.dense",
    "query", "model.layers.3.self_attn.q_proj", "model.layers.3.mlp.experts.0.up_proj",
    "h.0.attn.c_attn", "h.1.mlp.c_proj", "blocks.2.query", "head.classifier", "xquery",
]
CONFIGS = [
    {"target_modules": ["query", "value"]},
    {"target_modules": ["attention.query", "output.dense"]},
    {"target_modules": ["query"], "exclude_modules": ["encoder.layer.1.attention.attention.query"]},
    {"target_modules": ["query", "dense"], "exclude_modules": ".*layer\\.2\\..*"},
    {"target_modules": ".*\\.(query|key)"},
    {"target_modules": "query"},
    {"target_modules": ["query", "dense", "q_proj", "up_proj"], "layers_to_transform": [0, 2, 3]},
    {"target_modules": ["query", "c_attn", "c_proj"], "layers_to_transform": 1, "layers_pattern": "h"},
    {"target_modules": ["query", "dense"], "layers_to_transform": [2], "layers_pattern": ["layer", "blocks"]},
    {"target_modules": ["dense", "classifier"], "modules_to_save": ["classifier"]},
    {"target_modules": "(?P<name>query)"},
    {"target_modules": ["query"], "layers_to_transform": []},
]


def verdict(r):
    if isinstance(r, _ExcludedModule):
        return "excluded"
    return "matched" if r else "unmatched"


out = []
for cfg in CONFIGS:
    c = BOFTConfig(**cfg)
    out.append({"config": cfg, "verdicts": {k: verdict(check_target_module_exists(c, k)) for k in KEYS}})
with open("matching.json", "w") as f:
    json.dump(out, f, indent=1)
