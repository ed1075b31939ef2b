#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes Hugging Face golden files for the runtime's numerics check (issue 3, acceptance 3).

Runs where `transformers` and `torch` are installed (the lent GPU host has them; no GPU is needed). For
each architecture it builds a small random-init model (fixed seed, float32, eager attention), saves it
with `save_pretrained` (config.json + model.safetensors, exactly as users' HF directories look), runs one
fixed token sequence, and writes golden.json: the logits [T, vocab] and every layer's attention
probabilities [heads, T, T], with the library versions. tests/integration/hf_golden_test.cpp loads each
directory with AttnScope's own loader and compares (max abs diff <= 1e-4).

Usage: scripts/hf-goldens.py OUT_DIR      (then copy OUT_DIR/* to tests/data/hf-goldens/)
"""
import json
import os
import sys

import torch
import transformers

TOKENS = [1, 5, 3, 9, 0, 2, 7, 7, 10, 4, 100, 31]
COMMON = dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
              num_attention_heads=4, max_position_embeddings=64)


def configs():
    """(name, model class name, config class name, config arguments) for every architecture of the issue."""
    gqa = dict(COMMON, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0)
    yield "llama", "LlamaForCausalLM", "LlamaConfig", dict(gqa, tie_word_embeddings=False)
    yield "qwen2", "Qwen2ForCausalLM", "Qwen2Config", dict(gqa, tie_word_embeddings=False)
    yield "qwen3", "Qwen3ForCausalLM", "Qwen3Config", dict(gqa, head_dim=8, tie_word_embeddings=True)
    yield "phi3", "Phi3ForCausalLM", "Phi3Config", dict(gqa, pad_token_id=0, tie_word_embeddings=False)
    yield "gpt2", "GPT2LMHeadModel", "GPT2Config", dict(vocab_size=128, n_embd=32, n_layer=2, n_head=4,
                                                       n_positions=64, n_inner=64)
    yield "bert", "BertForMaskedLM", "BertConfig", dict(vocab_size=128, hidden_size=32, intermediate_size=64,
                                                       num_hidden_layers=2, num_attention_heads=4,
                                                       max_position_embeddings=64, type_vocab_size=2)


def randomize(model):
    """Non-trivial weights: HF initializes norms to 1 and biases to 0, which would hide their handling."""
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_((1.0 if "weight" in name else 0.0) + 0.1 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=generator))


def write_golden(name, cls, config, out):
    torch.manual_seed(0)
    config._attn_implementation = "eager"  # real probabilities, not a fused kernel
    model = cls(config).float().eval()
    randomize(model)
    if getattr(config, "tie_word_embeddings", False):
        model.tie_weights()
    directory = os.path.join(out, name)
    model.save_pretrained(directory, safe_serialization=True)
    with torch.no_grad():
        result = model(input_ids=torch.tensor([TOKENS]), output_attentions=True)
    golden = {
        "architecture": name,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokens": TOKENS,
        "logits": result.logits[0].tolist(),
        "attentions": [layer[0].tolist() for layer in result.attentions],
    }
    with open(os.path.join(directory, "golden.json"), "w") as f:
        json.dump(golden, f)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters -> {directory}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    failed = []
    for name, class_name, config_name, arguments in configs():
        cls, config_cls = getattr(transformers, class_name, None), getattr(transformers, config_name, None)
        if cls is None or config_cls is None:
            print(f"{name}: this transformers has no {class_name}; skipped")
            failed.append(name)
            continue
        try:  # one architecture's failure must not cost the others' files
            write_golden(name, cls, config_cls(**arguments), sys.argv[1])
        except Exception as error:  # noqa: BLE001 - reported and counted
            print(f"{name}: failed: {error!r}")
            failed.append(name)
    if failed:
        sys.exit(f"no golden files for: {', '.join(failed)}")


if __name__ == "__main__":
    main()
