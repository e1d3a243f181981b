#!/usr/bin/env python3
"""reword.t - no stage depends on the words of a finding.

`make reword` builds build-reword/badmac with -DBM_REWORD_FINDINGS: the
report's finding formatter (src/report/finding_text.c) and verdict line
formatter (src/report/verdict_text.c) then write every finding and every
verdict line as "[code_name] field=value ..." instead of English.
Both binaries run every JSON case of tests/golden/cases.sh; per case:

  - the exit status and stderr are identical;
  - every JSON object is identical once the words are set aside: the
    "problems", and each verdict's "summary", "evidence", "exonerates" and
    "next_steps" texts (in a connection's "diagnosis" and in the ends of
    `badmac compare`). So the cause, confidence, keyless, record, repair,
    counts, alerts, failed, keys, ... are the same;
  - "problems" and each list of verdict lines have as many entries, each
    reworded entry is "[name] ..." and differs from the English one.

Were a stage to match the English text of a finding or a verdict line (as dec_close.c once
did to drop the keyless stage's "fatal alert inferred" line), the reworded
build would behave differently and a count, an alert or a problem list
would differ here.

Environment: BADMAC (default build/badmac); REWORD_BADMAC (default
build-reword/badmac, built by `make reword` unless given).
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_tap import done_testing, failed, tap  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BADMAC = os.environ.get("BADMAC", os.path.join(ROOT, "build", "badmac"))
REWORD = os.environ.get("REWORD_BADMAC")


def build_reword():
    """make reword, from a clean make environment (this may run under make check)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    p = subprocess.run(["make", "-C", ROOT, "-j2", "reword"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=env)
    return p.returncode == 0, p.stdout[-2000:]


def cases():
    out = subprocess.run(["sh", os.path.join(ROOT, "tests", "golden", "cases.sh")], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    for line in out.splitlines():
        name, _, args = line.partition("\t")
        if name.endswith(".json"):
            yield name, args.split()


def run(binary, args):
    p = subprocess.run([binary] + args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


RAW = re.compile(r"^\[[a-z0-9_]+\]( [a-z0-9_]+=(-?[0-9]+|client|server|\".*\"))*$")


VERDICT_LISTS = ("evidence", "exonerates", "next_steps")


def take_verdict_words(o, out):
    """Pop the worded verdict lines out of o, recursively, into out: a list
    of (key, [texts]) in document order. A verdict is an object with a
    string "summary" (a connection's "diagnosis", a compare end)."""
    if isinstance(o, dict):
        if isinstance(o.get("summary"), str):
            out.append(("summary", [o.pop("summary")]))
            for k in VERDICT_LISTS:
                if isinstance(o.get(k), list):
                    out.append((k, o.pop(k)))
        for v in o.values():
            take_verdict_words(v, out)
    elif isinstance(o, list):
        for v in o:
            take_verdict_words(v, out)
    return out


def reworded(where, e, r, why):
    """One English text and its reworded twin."""
    if e == r or not isinstance(r, str) or not RAW.match(r) or not isinstance(e, str) or e.startswith("["):
        why.append("%s: not reworded: %r -> %r" % (where, e, r))


def compare(name, a, b):
    """(ok, diagnostics, problems compared, verdict lines compared) for one case."""
    (rc_a, out_a, err_a), (rc_b, out_b, err_b) = a, b
    why = []
    if rc_a != rc_b:
        why.append("exit status %d, reworded %d" % (rc_a, rc_b))
    if err_a != err_b:
        why.append("stderr differs")
    la, lb = out_a.splitlines(), out_b.splitlines()
    if len(la) != len(lb):
        why.append("%d output lines, reworded %d" % (len(la), len(lb)))
    n = nv = 0
    for i, (x, y) in enumerate(zip(la, lb)):
        try:
            ox, oy = json.loads(x), json.loads(y)
        except ValueError:
            if x != y:
                why.append("line %d differs (not JSON)" % (i + 1))
            continue
        px = ox.pop("problems", None) if isinstance(ox, dict) else None
        py = oy.pop("problems", None) if isinstance(oy, dict) else None
        vx, vy = take_verdict_words(ox, []), take_verdict_words(oy, [])
        if [(k, len(t)) for k, t in vx] != [(k, len(t)) for k, t in vy]:
            why.append("line %d: verdict lines differ in number: %r / %r" % (i + 1, vx, vy))
        else:
            for (k, tx), (_, ty) in zip(vx, vy):
                nv += len(tx)
                for e, r in zip(tx, ty):
                    reworded("line %d: verdict %s" % (i + 1, k), e, r, why)
        if ox != oy:
            keys = sorted(k for k in set(ox) | set(oy) if ox.get(k) != oy.get(k)) if isinstance(ox, dict) else []
            why.append("line %d: fields other than problems differ: %s" % (i + 1, ", ".join(keys) or "(whole)"))
        if (px is None) != (py is None):
            why.append("line %d: problems present in one build only" % (i + 1))
            continue
        if px is None:
            continue
        n += len(px)
        if len(px) != len(py):
            why.append("line %d: %d problems, reworded %d: %r / %r" % (i + 1, len(px), len(py), px, py))
            continue
        for e, r in zip(px, py):
            reworded("line %d: problem" % (i + 1), e, r, why)
    return not why, "\n".join(why), n, nv


def main():
    global REWORD
    if not os.access(BADMAC, os.X_OK):
        print("1..0 # SKIP %s not built" % BADMAC)
        return 0
    if not REWORD:
        ok, log = build_reword()
        tap(ok, "make reword builds build-reword/badmac", log)
        REWORD = os.path.join(ROOT, "build-reword", "badmac")
    tap(os.access(REWORD, os.X_OK), "reworded badmac exists: %s" % REWORD)
    if failed():
        return done_testing()
    todo = list(cases())
    tap(len(todo) > 100, "golden JSON cases listed (%d)" % len(todo))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        res_a = list(ex.map(lambda c: run(BADMAC, c[1]), todo))
        res_b = list(ex.map(lambda c: run(REWORD, c[1]), todo))
    total = cases_with = vtotal = vcases = 0
    for (name, _), a, b in zip(todo, res_a, res_b):
        ok, why, n, nv = compare(name, a, b)
        total += n
        cases_with += n > 0
        vtotal += nv
        vcases += nv > 0
        tap(ok, "%s: same but for the words of %d problem%s and %d verdict line%s"
            % (name, n, "" if n == 1 else "s", nv, "" if nv == 1 else "s"), why)
    # The switch must bite: many cases have problems, and all were reworded.
    tap(cases_with >= 10 and total >= 50,
        "problems reworded in %d cases (%d problems)" % (cases_with, total))
    # ... and the verdict lines: every JSON case but a failed run has a verdict.
    tap(vcases >= len(todo) * 3 // 4 and vtotal >= 1000,
        "verdict lines reworded in %d of %d cases (%d lines)" % (vcases, len(todo), vtotal))
    return done_testing()


sys.exit(main())
