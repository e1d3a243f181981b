#!/bin/sh
# golden.t - badmac's text and JSON output over every fixture (and the
# frozen matrix failures of tests/golden/corpus), keyless and with keys,
# must be byte-identical to tests/golden/out/: a refactoring changes no
# verdict, no count and no word of a report unless the change is meant.
# An intended change: `make golden-update`, and the commit message says
# why each differing file differs.
. "$(dirname "$0")/lib_tap.sh"
[ -x "$BADMAC" ] || { echo "1..0 # SKIP $BADMAC not built"; exit 0; }
G=$TOP/tests/golden
sh "$G/run.sh" "$TMPD/out" "$BADMAC"
n_want=$(ls "$G/out" | wc -l)
n_got=$(ls "$TMPD/out" | wc -l)
is "$n_got" "$n_want" "as many golden cases as stored outputs"
for f in $(ls "$G/out"); do
    if [ ! -f "$TMPD/out/$f" ]; then
        ok 1 "$f: case still exists"
        continue
    fi
    if cmp -s "$G/out/$f" "$TMPD/out/$f"; then
        ok 0 "$f"
    else
        ok 1 "$f: output differs from tests/golden/out/$f"
        diff "$G/out/$f" "$TMPD/out/$f" | head -8 | sed 's/^/#   /'
    fi
done
done_testing
