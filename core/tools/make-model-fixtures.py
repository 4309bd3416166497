#!/usr/bin/env python3
"""Golden fixtures for the model zoo (core/models), written by transformers 5.x and PEFT 0.21.

Run:  .venv-ref/bin/python core/tools/make-model-fixtures.py
Writes core/testing/fixtures/models/<case>/ (deterministic; every tensor is tiny):
  config.json, model.safetensors (or sharded + index)   tiny random-init checkpoint, saved by transformers
  io.safetensors                                       inputs (forward-arg names, ids as I32), logits, loss
  adapters/<name>/adapter_config.json, adapter_model.safetensors   PEFT BOFT adapter
  adapters/<name>/expected.safetensors                 logits_unmerged / logits_merged / logits_disabled
  adapters/<name>/merged.safetensors                   merge_and_unload() weights under the checkpoint's names
plus tokenizers/<kind>/{tokenizer.json, expected.json}.

Weights are re-drawn with a large spread (norm weights around 1, biases non-zero) so that a
wrong wiring changes the logits visibly; transformers' 0.02 init would make logits nearly flat.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

import peft
from peft import BOFTConfig, get_peft_model, get_peft_model_state_dict
from transformers import (
    BertConfig, BertForSequenceClassification, Dinov2Config, Dinov2ForImageClassification,
    GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
    Qwen2Config, Qwen2ForCausalLM, ViTConfig, ViTForImageClassification,
)
import transformers.pytorch_utils as tpu

ROOT = Path(__file__).resolve().parents[1] / "testing" / "fixtures" / "models"
torch.set_num_threads(1)


# --- PEFT's CUDA block-diagonal extension, replaced by plain torch ------------------------
def install_fbd_standin() -> None:
    """PEFT forces m=1 when its CUDA extension is missing; give it a torch stand-in instead.

    The fixtures engineer's core/tools/make-fixtures.py provides one; reuse it when present."""
    shared = Path(__file__).resolve().parent / "make-fixtures.py"
    if shared.exists():
        import importlib.util
        spec = importlib.util.spec_from_file_location("boft_make_fixtures", shared)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if hasattr(mod, "install_fbd_standin"):
            mod.install_fbd_standin()
            return

    class StandIn:
        @staticmethod
        def forward(blocks: torch.Tensor):  # blocks: [N, k, b, b] -> [N, k*b, k*b]
            return [torch.stack([torch.block_diag(*torch.unbind(g)) for g in blocks])]

        @staticmethod
        def backward(grad: torch.Tensor, blocks: torch.Tensor):
            n, k, b, _ = blocks.shape
            g = grad.view(n, k, b, k, b)
            return [torch.stack([g[:, i, :, i, :] for i in range(k)], dim=1)]

    # Check the stand-in against the dense definition before PEFT sees it.
    x = torch.randn(2, 3, 2, 2)
    dense = torch.stack([torch.block_diag(*x[0]), torch.block_diag(*x[1])])
    assert torch.equal(StandIn.forward(x)[0], dense)
    assert torch.equal(StandIn.backward(dense, x)[0], x)
    peft.tuners.boft.layer._FBD_CUDA = StandIn


# --- helpers ------------------------------------------------------------------------------
def redraw(model: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            low = name.lower()
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
            elif "norm" in low or ".ln_" in low or low.startswith("ln_") or "lambda1" in low:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def write_io(path: Path, inputs: dict, out) -> None:
    """<name>.safetensors: inputs + logits (+ loss); <name>-inputs.safetensors: the inputs alone, as
    `boft run --input` takes them (ids stored I64 as transformers users write them)."""
    save_file({k: v.contiguous() for k, v in inputs.items()}, str(path.with_name(path.stem + "-inputs.safetensors")))
    t = {k: (v.to(torch.int32) if v.dtype == torch.int64 else v.float()).contiguous() for k, v in inputs.items()}
    t["logits"] = out.logits.detach().float().contiguous()
    if getattr(out, "loss", None) is not None:
        t["loss"] = out.loss.detach().float().reshape(1)
    save_file(t, str(path))


def clean_dir(d: Path) -> None:
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)


def save_checkpoint(model, d: Path, **kw) -> None:
    model.save_pretrained(str(d), **kw)
    for extra in ("generation_config.json",):
        (d / extra).unlink(missing_ok=True)


def run(model, inputs):
    model.eval()
    with torch.no_grad():
        return model(**inputs)


def text_inputs(vocab: int, seed: int, labels_kind: str):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (2, 6), generator=g)
    mask = torch.ones(2, 6, dtype=torch.int64)
    mask[1, 4:] = 0  # right padding: no query row is fully masked
    inputs = {"input_ids": ids, "attention_mask": mask}
    if labels_kind == "lm":
        inputs["labels"] = ids.masked_fill(mask == 0, -100)
    else:
        inputs["labels"] = torch.tensor([2, 0])
    return inputs


def image_inputs(size: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    return {"pixel_values": torch.randn(2, 3, size, size, generator=g), "labels": torch.tensor([1, 2])}


# --- architectures ------------------------------------------------------------------------
def make_arch(name: str, cls, config, inputs, save_kw=None, dtype=None):
    d = ROOT / name
    clean_dir(d)
    torch.manual_seed(0)
    model = cls(config)
    redraw(model, seed=len(name))
    if dtype is None:
        out = run(model, inputs)
        save_checkpoint(model, d, **(save_kw or {}))
    else:
        # Stored in half precision; the reference is transformers loading that file as fp32
        # (converting the model in memory would also round buffers such as RoPE's inv_freq).
        save_checkpoint(model.to(dtype), d, **(save_kw or {}))
        out = run(load(cls, d), inputs)
    write_io(d / "io.safetensors", inputs, out)
    return d


def load(cls, d: Path):
    m = cls.from_pretrained(str(d), attn_implementation="eager", dtype=torch.float32)
    return m.eval()


# --- adapters -----------------------------------------------------------------------------
def perturb_extras(peft_model, cfg: BOFTConfig, seed: int) -> None:
    """modules_to_save copies and boft_only biases start equal to the base: move them."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if p.requires_grad and ("modules_to_save" in name or (cfg.bias == "boft_only" and name.endswith("base_layer.bias"))):
                p.add_(0.2 * torch.randn(p.shape, generator=g))


def file_state(model, tmp: Path) -> dict:
    save_checkpoint(model, tmp)
    with safe_open(str(tmp / "model.safetensors"), "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def make_adapter(arch: str, cls, name: str, cfg: BOFTConfig, inputs, twin=None, post_config=None):
    base_dir = ROOT / arch
    out = base_dir / "adapters" / name
    clean_dir(out)
    base = load(cls, base_dir)
    if twin is not None:
        base = twin(base)
    torch.manual_seed(1234)
    pm = get_peft_model(base, cfg)
    perturb_extras(pm, cfg, seed=99)
    pm.eval()
    expected = {"logits_unmerged": run(pm, inputs).logits}
    # Gradients of the loss (eval mode: no dropout) for every tensor the adapter saves.
    pm.zero_grad()
    pm(**inputs).loss.backward()
    grads = {n: (p.grad if p.grad is not None else torch.zeros_like(p)) for n, p in pm.named_parameters()}
    for k, g in get_peft_model_state_dict(pm, state_dict=grads).items():
        expected[f"grad.{k}"] = g.detach().clone()
    pm.zero_grad()
    with pm.disable_adapter():
        expected["logits_disabled"] = run(pm, inputs).logits
    pm.save_pretrained(str(out))
    merged = pm.merge_and_unload()
    expected["logits_merged"] = run(merged, inputs).logits
    save_file({k: v.float().contiguous() for k, v in expected.items()}, str(out / "expected.safetensors"))
    if twin is not None:
        merged = untwin(cls, base_dir, merged)
    tmp = out / "_tmp"
    state = file_state(merged, tmp)
    shutil.rmtree(tmp)
    save_file({k: v.contiguous() for k, v in state.items()}, str(out / "merged.safetensors"))
    conf_path = out / "adapter_config.json"
    conf = json.loads(conf_path.read_text())
    if post_config:
        conf.update(post_config)
    for key in ("target_modules", "modules_to_save"):
        if isinstance(conf.get(key), list):
            conf[key] = sorted(conf[key])  # PEFT writes a set: fix the order for stable fixtures
    conf_path.write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n")
    (out / "README.md").unlink(missing_ok=True)
    return out


# GPT-2 Conv1D: PEFT refuses it, so the reference is a twin whose targets are nn.Linear with
# the transposed weight [out, in]; the adapter keys are the same module paths.
GPT2_TARGETS = ("c_attn", "c_proj", "c_fc")


def gpt2_twin(model):
    for path, mod in list(model.named_modules()):
        if isinstance(mod, tpu.Conv1D) and path.split(".")[-1] in GPT2_TARGETS:
            lin = torch.nn.Linear(mod.weight.shape[0], mod.weight.shape[1])
            with torch.no_grad():
                lin.weight.copy_(mod.weight.T)
                lin.bias.copy_(mod.bias)
            parent = model.get_submodule(path.rsplit(".", 1)[0])
            setattr(parent, path.rsplit(".", 1)[1], lin)
    return model


def untwin(cls, base_dir: Path, merged_twin):
    model = load(cls, base_dir)
    with torch.no_grad():
        for path, mod in model.named_modules():
            if isinstance(mod, tpu.Conv1D) and path.split(".")[-1] in GPT2_TARGETS:
                lin = merged_twin.get_submodule(path)
                mod.weight.copy_(lin.weight.T)
                mod.bias.copy_(lin.bias)
    return model


def legacy_vit_copy(src: Path, dst: Path) -> None:
    """The same adapter as transformers 4.x (legacy in-memory names) writes it: renamed keys."""
    import re
    clean_dir(dst)
    rules = [(r"\.layers\.(\d+)\.attention\.q_proj", r".encoder.layer.\1.attention.attention.query"),
             (r"\.layers\.(\d+)\.attention\.k_proj", r".encoder.layer.\1.attention.attention.key"),
             (r"\.layers\.(\d+)\.attention\.v_proj", r".encoder.layer.\1.attention.attention.value"),
             (r"\.layers\.(\d+)\.attention\.o_proj", r".encoder.layer.\1.attention.output.dense"),
             (r"\.layers\.(\d+)\.mlp\.fc1", r".encoder.layer.\1.intermediate.dense"),
             (r"\.layers\.(\d+)\.mlp\.fc2", r".encoder.layer.\1.output.dense")]
    with safe_open(str(src / "adapter_model.safetensors"), "pt") as f:
        tensors = {}
        for k in f.keys():
            nk = k
            for a, b in rules:
                nk = re.sub(a, b, nk)
            tensors[nk] = f.get_tensor(k)
    save_file(tensors, str(dst / "adapter_model.safetensors"), metadata={"format": "pt"})
    conf = json.loads((src / "adapter_config.json").read_text())
    conf["target_modules"] = sorted({"q_proj": "query", "v_proj": "value"}[t] for t in conf["target_modules"])
    (dst / "adapter_config.json").write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n")
    for f_ in ("expected.safetensors", "merged.safetensors"):
        shutil.copy(src / f_, dst / f_)


def boft(**kw) -> BOFTConfig:
    kw.setdefault("init_weights", False)
    kw.setdefault("boft_dropout", 0.0)
    return BOFTConfig(**kw)


def vision() -> None:
    vit_cfg = ViTConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                        image_size=8, patch_size=4, num_labels=3, attn_implementation="eager")
    vin = image_inputs(8, seed=1)
    make_arch("vit", ViTForImageClassification, vit_cfg, vin)
    a = make_adapter("vit", ViTForImageClassification, "m1_block_size",
                     boft(target_modules=["q_proj", "v_proj"], boft_block_size=4, boft_n_butterfly_factor=1), vin)
    legacy_vit_copy(a, ROOT / "vit" / "adapters" / "m1_block_size_legacy_names")
    make_adapter("vit", ViTForImageClassification, "m3_mlp_modules_to_save",
                 boft(target_modules=["q_proj", "v_proj", "fc1", "fc2"], boft_block_size=2,
                      boft_n_butterfly_factor=3, modules_to_save=["classifier"]), vin)

    dino_cfg = Dinov2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, mlp_ratio=2,
                            image_size=8, patch_size=4, num_labels=3, attn_implementation="eager")
    make_arch("dinov2", Dinov2ForImageClassification, dino_cfg, vin)
    # A 12×8 input: transformers resamples the 2×2 position grid bicubically to 3×2.
    g = torch.Generator().manual_seed(5)
    interp = {"pixel_values": torch.randn(2, 3, 12, 8, generator=g), "labels": torch.tensor([0, 2])}
    write_io(ROOT / "dinov2" / "io_interp.safetensors", interp, run(load(Dinov2ForImageClassification, ROOT / "dinov2"), interp))
    make_adapter("dinov2", Dinov2ForImageClassification, "m2_block_num_boft_only",
                 boft(target_modules=["q_proj", "v_proj", "o_proj"], boft_block_size=0, boft_block_num=4,
                      boft_n_butterfly_factor=2, bias="boft_only"), vin)


def text() -> None:
    bert_cfg = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                          intermediate_size=32, max_position_embeddings=32, num_labels=3, attn_implementation="eager")
    bin_ = text_inputs(64, seed=2, labels_kind="cls")
    bin_["token_type_ids"] = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0]])
    make_arch("bert", BertForSequenceClassification, bert_cfg, bin_)
    # The other two problem types of the classification heads (chosen by config.problem_type).
    bert = load(BertForSequenceClassification, ROOT / "bert")
    g = torch.Generator().manual_seed(11)
    for kind, labels in (("multi_label_classification", torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])),
                         ("regression", torch.randn(2, 3, generator=g))):
        bert.config.problem_type = kind
        inp = dict(bin_, labels=labels)
        write_io(ROOT / "bert" / f"io_{kind}.safetensors", inp, run(bert, inp))
    make_adapter("bert", BertForSequenceClassification, "m1_modules_to_save_boft_only",
                 boft(target_modules=["query", "value"], boft_block_size=4, modules_to_save=["classifier"],
                      bias="boft_only"), bin_)

    gpt_cfg = GPT2Config(vocab_size=64, n_positions=32, bos_token_id=0, eos_token_id=0, n_embd=16, n_layer=2, n_head=2, n_inner=32,
                         attn_implementation="eager")
    lin = text_inputs(64, seed=3, labels_kind="lm")
    make_arch("gpt2", GPT2LMHeadModel, gpt_cfg, lin)
    make_adapter("gpt2", GPT2LMHeadModel, "m2_conv1d_fan_in_fan_out",
                 boft(target_modules=list(GPT2_TARGETS), boft_block_size=4, boft_n_butterfly_factor=2), lin,
                 twin=gpt2_twin, post_config={"fan_in_fan_out": True})

    llama_kw = dict(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=4, max_position_embeddings=64, attn_implementation="eager")
    make_arch("llama", LlamaForCausalLM, LlamaConfig(**llama_kw), lin)
    make_adapter("llama", LlamaForCausalLM, "m2_block_num_layers_to_transform",
                 boft(target_modules=["q_proj", "v_proj", "down_proj"], boft_block_size=0, boft_block_num=4,
                      boft_n_butterfly_factor=2, layers_to_transform=[1]), lin)
    make_arch("llama_bf16_sharded", LlamaForCausalLM, LlamaConfig(**llama_kw), lin,
              save_kw={"max_shard_size": "4KB"}, dtype=torch.bfloat16)
    make_arch("mistral_fp16", MistralForCausalLM, MistralConfig(**llama_kw, sliding_window=None), lin,
              dtype=torch.float16)
    # A window shorter than the sequence: each query sees only the last 3 positions.
    make_arch("mistral_window", MistralForCausalLM, MistralConfig(**llama_kw, sliding_window=3), lin)
    qwen_kw = dict(llama_kw, tie_word_embeddings=True)
    qwen_kw.pop("head_dim")
    make_arch("qwen2", Qwen2ForCausalLM, Qwen2Config(**qwen_kw), lin)
    make_adapter("qwen2", Qwen2ForCausalLM, "m1_qkv_boft_only",
                 boft(target_modules=["q_proj", "k_proj", "v_proj"], boft_block_size=4, bias="boft_only"), lin)


# --- tokenizers ---------------------------------------------------------------------------
SENTENCES = [
    "Hello world!",
    "The quick brown fox jumps over the lazy dog.",
    "  leading spaces and trailing  ",
    "Numbers 12345 and symbols #@!? mix.",
    "Unicode: café naïve Straße — 東京",
    "butterfly orthogonal finetuning",
    "",
]
CORPUS = " ".join(SENTENCES[:3]) + " the fox and the dog ran over the hill, then the dog slept. " * 5 + " unfinished testing #@!?"


def tokenizers_fixtures() -> None:
    import re
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    d = ROOT / "tokenizers"
    clean_dir(d)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    bpe.train_from_iterator([CORPUS], trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                          initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    # WordPiece vocab built by hand (the trainer's tie-breaking is not reproducible): specials,
    # every corpus character alone and as a continuation, a few suffixes, and the corpus words.
    words = sorted({w for w in re.findall(r"[a-z]+", CORPUS.lower())})
    chars = sorted({c for c in CORPUS.lower() if not c.isspace()})
    vocab_list = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars if c.isalnum()]
    vocab_list += ["##ing", "##ed", "##s", "##er", "un", "##ly"] + [w for w in words if w not in vocab_list]
    wp = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab_list)}, unk_token="[UNK]"))
    wp.normalizer = normalizers.BertNormalizer(lowercase=True)
    wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wp.decoder = decoders.WordPiece()
    cls_id, sep_id = wp.token_to_id("[CLS]"), wp.token_to_id("[SEP]")
    wp.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    # LLaMA-2 / Mistral style: SentencePiece-like BPE over "▁"-joined words, unknown bytes as <0xNN>.
    sp = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>", fuse_unk=True))
    sp.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    sp.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    byte_tokens = [f"<0x{i:02X}>" for i in range(256)]
    sp.train_from_iterator([CORPUS], trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>", "<s>", "</s>"] + byte_tokens))
    sp.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", sp.token_to_id("<s>"))])
    for kind, tok in (("bpe", bpe), ("wordpiece", wp), ("metaspace_bpe", sp)):
        sub = d / kind
        sub.mkdir()
        tok.save(str(sub / "tokenizer.json"))
        fast = PreTrainedTokenizerFast(tokenizer_file=str(sub / "tokenizer.json"))
        ids = [fast(s, add_special_tokens=True)["input_ids"] for s in SENTENCES]
        (sub / "expected.json").write_text(json.dumps({"sentences": SENTENCES, "input_ids": ids}, ensure_ascii=False) + "\n")


# --- image preprocessing -----------------------------------------------------------------
PREPROCESS_CASES = {
    # name: (image height, width, processor class, config overrides)
    "vit_bilinear_down": (13, 11, "ViTImageProcessor", {"size": {"height": 8, "width": 8}}),
    "vit_bilinear_up": (13, 11, "ViTImageProcessor", {"size": {"height": 20, "width": 17}, "image_mean": [0.1, 0.2, 0.3], "image_std": [0.7, 0.8, 0.9]}),
    "bit_bicubic_crop_wide": (13, 21, "BitImageProcessor", {"size": {"shortest_edge": 10}, "crop_size": {"height": 8, "width": 8},
                                                            "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}),
    "bit_bicubic_up_tall": (19, 11, "BitImageProcessor", {"size": {"shortest_edge": 24}, "crop_size": {"height": 20, "width": 16}}),
}


def preprocess_fixtures() -> None:
    import numpy as np
    from transformers import BitImageProcessor, ViTImageProcessor

    d = ROOT / "preprocess"
    clean_dir(d)
    classes = {"ViTImageProcessor": ViTImageProcessor, "BitImageProcessor": BitImageProcessor}
    rng = np.random.RandomState(7)
    for name, (h, w, cls_name, overrides) in PREPROCESS_CASES.items():
        # Smooth gradients plus noise: resampling errors show on both.
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([yy * 255 / h, xx * 255 / w, (yy + xx) * 127 / (h + w)], -1)
        img = np.clip(base + rng.randint(-40, 40, (h, w, 3)), 0, 255).astype(np.uint8)
        proc = classes[cls_name](**overrides)
        pv = proc(images=img, return_tensors="np")["pixel_values"][0]
        sub = d / name
        sub.mkdir()
        conf = {k: v for k, v in proc.to_dict().items() if not k.startswith("_") and k != "processor_class"}
        conf = {k: (int(v) if k == "resample" else list(v) if isinstance(v, tuple) else v) for k, v in conf.items()}
        conf["image_processor_type"] = cls_name
        (sub / "preprocessor_config.json").write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n")
        save_file({"image": torch.from_numpy(img.copy()), "pixel_values": torch.from_numpy(pv.astype(np.float32))},
                  str(sub / "expected.safetensors"))


def main() -> None:
    install_fbd_standin()
    ROOT.mkdir(parents=True, exist_ok=True)
    vision()
    text()
    tokenizers_fixtures()
    preprocess_fixtures()
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)")
    assert total < 3e6, "fixtures must stay under 3 MB"


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
