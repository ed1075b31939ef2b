#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes Hugging Face golden files for the runtime's numerics check (issue 3, acceptance 3).

Runs where `transformers` and `torch` are installed (the lent GPU host has them; no GPU is needed). For
each architecture it builds a small random-init model (fixed seed, float32, eager attention), saves it
with `save_pretrained` (config.json + model.safetensors, exactly as users' HF directories look), runs one
fixed token sequence, and writes golden.json: the logits [T, vocab] and every layer's attention
probabilities [heads, T, T], with the library versions. tests/unit/runtime/hf_golden_test.cpp loads each
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
    # RoPE bases other than the loaders' default 10000 (except phi3, which covers the default), so that a
    # base read from the wrong key (transformers 5 moved it into rope_parameters) shows.
    gqa = dict(COMMON, num_key_value_heads=2, rms_norm_eps=1e-5)
    yield "llama", "LlamaForCausalLM", "LlamaConfig", dict(gqa, rope_theta=500000.0, tie_word_embeddings=False)
    yield "qwen2", "Qwen2ForCausalLM", "Qwen2Config", dict(gqa, rope_theta=1000000.0, tie_word_embeddings=False)
    yield "qwen3", "Qwen3ForCausalLM", "Qwen3Config", dict(gqa, rope_theta=1000000.0, head_dim=8,
                                                           tie_word_embeddings=True)
    yield "phi3", "Phi3ForCausalLM", "Phi3Config", dict(gqa, rope_theta=10000.0, pad_token_id=0, bos_token_id=1,
                                                        eos_token_id=2, tie_word_embeddings=False)
    yield "gpt2", "GPT2LMHeadModel", "GPT2Config", dict(vocab_size=128, n_embd=32, n_layer=2, n_head=4,
                                                       n_positions=64, n_inner=64, bos_token_id=0, eos_token_id=0)
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
    if model.config._attn_implementation != "eager":
        raise RuntimeError(f"attention implementation is {model.config._attn_implementation!r}")
    randomize(model)
    # Tied weights must stay tied, or the saved tensors would differ from the ones the forward pass used.
    output = model.get_output_embeddings()
    if getattr(model.config, "tie_word_embeddings", False) and output is not None:
        if output.weight is not model.get_input_embeddings().weight:
            raise RuntimeError("output embeddings are not tied")
    directory = os.path.join(out, name)
    model.save_pretrained(directory)  # safetensors: the default since 4.35, the only format in 5
    with torch.no_grad():
        result = model(input_ids=torch.tensor([TOKENS]), output_attentions=True)
    # An empty or partial attention list would make the runtime check compare nothing.
    T, layers, heads = len(TOKENS), model.config.num_hidden_layers, model.config.num_attention_heads
    attentions = result.attentions or ()
    if len(attentions) != layers or any(a is None or tuple(a.shape) != (1, heads, T, T) for a in attentions):
        shapes = [None if a is None else tuple(a.shape) for a in attentions]
        raise RuntimeError(f"attentions missing or misshapen: {shapes}")
    if any(not torch.allclose(a.sum(-1), torch.ones(()), atol=1e-5) for a in attentions):
        raise RuntimeError("attention rows do not sum to 1")
    if tuple(result.logits.shape) != (1, T, model.config.vocab_size):
        raise RuntimeError(f"logits shape {tuple(result.logits.shape)}")
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
