#!/bin/sh
# dict.sh TARGET OUT - the libFuzzer options of a target from fuzz/targets:
# prints "-max_len=N -dict=OUT" with its dictionaries joined into OUT.
set -eu
here=$(dirname "$0")
line=$(awk -v t="$1" '$1 == t { $1 = ""; print }' "$here/targets")
[ -n "$line" ] || { echo "fuzz/targets: no target $1" >&2; exit 1; }
set -- $line "$2"
maxlen=$1
shift
out=$(eval echo "\${$#}")
: >"$out"
while [ $# -gt 1 ]; do
    cat "$here/dict/$1.dict" >>"$out"
    shift
done
echo "-max_len=$maxlen -dict=$out"
