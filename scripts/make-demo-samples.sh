#!/usr/bin/env bash
# Regenerates the demo evidence under samples/ from the scenario generator (seed 1, deterministic):
# the LightNeuron-style intrusion as Windows event logs (JSON lines), and the audit collection of
# the same server after the intrusion (agents.config, cmdlet export, server description, manifest).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node --import tsx src/cli/main.ts scenario lightneuron --out "$out" --formats jsonl --seed 1 --quiet
rm -rf samples/scenario-lightneuron
mv "$out/lightneuron" samples/scenario-lightneuron
node --import tsx scripts/make-demo-collection.ts samples/server-collection
