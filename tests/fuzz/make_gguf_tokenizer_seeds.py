#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz_gguf_tokenizer: three small GGUF v3 images without tensors, each with
an embedded vocabulary as llama.cpp stores it (gpt2 byte-level BPE, llama SentencePiece BPE with byte
fallback, bert WordPiece). Usage: tests/fuzz/make_gguf_tokenizer_seeds.py OUT_DIR"""
import struct
import sys
from pathlib import Path

U32, I32, F32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9


def string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def value(kind, v):
    if kind == U32:
        return struct.pack("<I", v)
    if kind == I32:
        return struct.pack("<i", v)
    if kind == F32:
        return struct.pack("<f", v)
    if kind == BOOL:
        return struct.pack("<?", v)
    if kind == STRING:
        return string(v)
    raise ValueError(kind)


def gguf(pairs):
    body = b""
    for key, kind, v in pairs:
        body += string(key)
        if isinstance(kind, tuple):  # (ARRAY, element kind)
            body += struct.pack("<IIQ", ARRAY, kind[1], len(v)) + b"".join(value(kind[1], x) for x in v)
        else:
            body += struct.pack("<I", kind) + value(kind, v)
    image = b"GGUF" + struct.pack("<IQQ", 3, 0, len(pairs)) + body
    return image + b"\0" * (-len(image) % 32)


def byte_level_alphabet():
    """GPT-2's bytes_to_unicode: every byte as a printable character."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = [("general.architecture", STRING, "llama")]

    tokens = ["<|endoftext|>"] + byte_level_alphabet() + ["He", "ll", "Hell", "Hello", "Ġw", "Ġwor", "Ġworld", "12"]
    merges = ["H e", "l l", "He ll", "Hell o", "Ġ w", "Ġw o", "Ġwo r", "Ġwor ld", "1 2"]
    merges = [m for m in merges if all(p in tokens for p in m.split(" "))] + ["Ġwo r"]
    types = [3] + [1] * (len(tokens) - 1)
    (out / "gpt2.gguf").write_bytes(gguf(base + [
        ("tokenizer.ggml.model", STRING, "gpt2"),
        ("tokenizer.ggml.pre", STRING, "gpt-2"),
        ("tokenizer.ggml.tokens", (ARRAY, STRING), tokens),
        ("tokenizer.ggml.token_type", (ARRAY, I32), types),
        ("tokenizer.ggml.merges", (ARRAY, STRING), merges),
        ("tokenizer.ggml.bos_token_id", U32, 0),
        ("tokenizer.ggml.eos_token_id", U32, 0),
    ]))

    pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + [
        "▁", "▁Hello", "▁world", "H", "e", "l", "o", "▁w", "or", "ld", "1", "2", "3", "caf", "é"]
    scores = [0.0] * 259 + [-float(i) for i in range(len(pieces) - 259)]
    types = [2, 3, 3] + [6] * 256 + [1] * (len(pieces) - 259)
    (out / "llama.gguf").write_bytes(gguf(base + [
        ("tokenizer.ggml.model", STRING, "llama"),
        ("tokenizer.ggml.tokens", (ARRAY, STRING), pieces),
        ("tokenizer.ggml.scores", (ARRAY, F32), scores),
        ("tokenizer.ggml.token_type", (ARRAY, I32), types),
        ("tokenizer.ggml.unknown_token_id", U32, 0),
        ("tokenizer.ggml.bos_token_id", U32, 1),
        ("tokenizer.ggml.eos_token_id", U32, 2),
        ("tokenizer.ggml.add_bos_token", BOOL, True),
    ]))

    # llama.cpp stores BERT vocabularies with "▁" marking word starts instead of "##" continuations.
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "▁hello", "▁world", "s", "▁1", "2", "3", "▁caf", "e",
             "▁x", "y", "▁"]
    types = [3, 2, 3, 3, 3] + [1] * (len(words) - 5)
    (out / "bert.gguf").write_bytes(gguf([("general.architecture", STRING, "bert")] + [
        ("tokenizer.ggml.model", STRING, "bert"),
        ("tokenizer.ggml.tokens", (ARRAY, STRING), words),
        ("tokenizer.ggml.token_type", (ARRAY, I32), types),
        ("tokenizer.ggml.unknown_token_id", U32, 1),
        ("tokenizer.ggml.cls_token_id", U32, 2),
        ("tokenizer.ggml.seperator_token_id", U32, 3),
        ("tokenizer.ggml.padding_token_id", U32, 0),
    ]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/gguf_tokenizer")
