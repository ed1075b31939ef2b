#!/usr/bin/env bash
# Measures the demo model with the project's own CLI and prints the Markdown for its README:
# held-out perplexity, needle exact match, in-context copying, greedy continuations.
# Usage: tools/train_demo/measure.sh CLI MODEL_DIR SAMPLES_DIR
set -euo pipefail
cli=$1 model=$2 samples=$3
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$cli" --quiet evaluate "$model" --text-file "$samples/long.txt" --needles "$samples/needles.jsonl" \
    --copying "$samples/repeated_random.json" --json "$json"
/usr/bin/python3 - "$json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p, n, c = d["perplexity"], d["needles"], d["copying"]
print(f"- Held-out perplexity (resources/samples/long.txt, held-out fortunes, {p['tokens']} tokens in "
      f"windows of {p['window']}): **{p['perplexity']:.1f}** ({p['mean_nll']:.3f} nats/token)")
print(f"- Needle retrieval (resources/samples/needles.jsonl, {n['prompts']} prompts, mean "
      f"{n['mean_prompt_tokens']:.0f} tokens, greedy): **{n['correct']}/{n['prompts']} exact = {100*n['accuracy']:.0f} %**")
losses = ", ".join(f"{x:.2f}" for x in c["mean_loss_per_copy"])
print(f"- In-context copying (resources/samples/repeated_random.json: {c['span']} random tokens x {c['repeats']}): "
      f"mean loss per copy {losses} nats; first/second = **{c['first_to_second_ratio']:.2f}x**")
PY
echo
echo "Greedy continuations (\`attnscope-cli generate MODEL --prompt P --max-new-tokens 40\`):"
echo
for prompt in "The secret of happiness is" "A computer is" "Never trust a man who" "Life is like"; do
    text=$("$cli" --quiet generate "$model" --prompt "$prompt" --max-new-tokens 40 --json | \
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["text"])')
    printf -- '- **%s**%s\n' "$prompt" "$(printf '%s' "$text" | tr '\n\t' '  ')"
done
