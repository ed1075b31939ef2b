// SPDX-License-Identifier: Apache-2.0
// The test strings: hand-picked cases per category, plus seeded random mixtures of them (deterministic).
"use strict";

const handPicked = [
  // plain English, contractions, casing
  "Hello world", "hello world", "HELLO WORLD", " leading space", "trailing space ", "It's a test, isn't it?",
  "I'd've thought so; we'll see what you're doing.", "They'RE here, DON'T panic", "'s 't 're 've 'm 'll 'd",
  "rock'n'roll", "O'Neil's café", "can't won't shan't", "The quick brown fox jumps over the lazy dog.",
  // digits and numbers
  "1", "12", "123", "1234", "12345678901234567890", "3.14159", "1,000,000", "2026-11-28", "0x1F3A", "v1.2.3-rc4",
  "+44 20 7946 0958", "$19.99", "50%", "1e-5", "-273.15°C",
  // whitespace runs
  "  two leading", "a  b   c    d", "tabs\tand\ttabs", "\t\tindented", "line\nbreak", "two\n\nbreaks",
  "\r\nwindows\r\nlines", "trailing newline\n", "\n\n\n", "   ", " ", "mixed \t \n whitespace", "a\u00A0b",
  "\u3000ideographic space",
  // code
  "def f(x):\n    return x**2  # square", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
  "const re = /^\\s+|\\s+$/g;", "<div class=\"main\">Hi</div>", "SELECT * FROM t WHERE id = 42;",
  "if x != None and y >= 3:\n\tpass", "std::vector<std::pair<int, float>> v{{1, 2.0f}};", "#include <stdio.h>",
  "{\"key\": [1, 2, {\"nested\": null}]}", "a_b-c.d/e\\f", "`backticks` and ~tilde~", "x => x * 2",
  // Latin with diacritics, other scripts
  "naïve café résumé", "Ångström Øresund Ærø", "Zürich Straße", "ÀÉÎÕÜ àéîõü", "Crème brûlée",
  "Привет, мир!", "Γειά σου Κόσμε", "שלום עולם", "مرحبا بالعالم", "नमस्ते दुनिया", "สวัสดีชาวโลก",
  "ქართული ენა", "Հայերեն", "Tiếng Việt có dấu",
  // CJK
  "你好世界", "日本語のテキスト", "한국어 텍스트", "中文，标点。", "東京タワー", "漢字かなカナ",
  "混合English和中文", "ｆｕｌｌｗｉｄｔｈ", "半角ｶﾀｶﾅ",
  // emoji and symbols
  "😀", "emoji 😀🎉👍", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "❤️ heart", "1️⃣ keycap", "🇫🇷🇯🇵", "☃ ★ ♠ ♣",
  "→ ← ↑ ↓", "∑∫∂√∞", "©®™", "…—–•", "«quotes» „German“ ‘single’", "¿Qué? ¡Sí!",
  // combining marks (NFC-sensitive)
  "e\u0301", "cafe\u0301", "A\u030Angstrom", "n\u0303o", "\u1100\u1161\u11A8",
  // special-token-looking text
  "<|endoftext|>", "text<|endoftext|>more", "<|begin_of_text|>Hello", "<|end_of_text|>", "<|im_start|>user\nHi<|im_end|>",
  "<s> </s> <unk>", "[CLS] [SEP]", "<|fake_token|>",
  // edge cases
  "a", "ab", "abc", ".", "...", "!!!", "??!!", "\"", "''", "a'", "'a", "--", "__init__", "CamelCaseWord",
  "snake_case_word", "kebab-case-word", "URL: https://example.invalid/path?q=1&r=2#frag", "user@example.invalid",
];

const pools = [
  ["the", "The", " and", " of", "tokenizer", " attention", " head", " sink", "retrieval", " layer"],
  ["123", "4567", " 89", "0", "2026", "3.5"],
  [" ", "  ", "   ", "\t", "\n", "\n\n", " \n "],
  ["😀", "🎉", "👍🏽", "🚀", "💡"],
  ["你好", "世界", "日本", "한국", "中文"],
  ["é", "ü", "ß", "ø", "ñ", "e\u0301"],
  ["()", "{}", "[]", ";", "::", "->", "=>", "==", "!=", "#", "//"],
  ["'s", "'t", "'re", "'ve", "'ll", "'d", "'m"],
];

// A small deterministic generator (mulberry32) so every run produces the same strings.
function mulberry32(seed) {
  return function () {
    let t = (seed += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMixtures(count, seed) {
  const random = mulberry32(seed);
  const out = [];
  for (let i = 0; i < count; ++i) {
    const parts = 2 + Math.floor(random() * 8);
    let text = "";
    for (let p = 0; p < parts; ++p) {
      const pool = pools[Math.floor(random() * pools.length)];
      text += pool[Math.floor(random() * pool.length)];
    }
    out.push(text);
  }
  return out;
}

module.exports = handPicked.concat(randomMixtures(220, 20261128));
