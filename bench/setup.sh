#!/usr/bin/env bash
# Installs the reference EVTX parsers the benchmark compares against, when they are missing.
missing=()
command -v evtxexport >/dev/null || missing+=(libevtx-utils)
command -v evtx_dump.py >/dev/null || missing+=(python3-evtx)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
      || echo "bench: could not install ${missing[*]}; their rows are skipped"
  else
    echo "bench: missing ${missing[*]} (run: sudo apt-get install ${missing[*]}); their rows are skipped"
  fi
fi
