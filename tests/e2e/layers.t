#!/usr/bin/env python3
"""layers.t - the stage order of src/, written down as data and checked.

Every directory of src/ is a stage; include/badmac (the data model and
the API's declarations) is below them all. Stages are ordered, lowest
first; a stage may include only from stages below it, and from another
stage only that stage's public headers (PUBLIC). Within a stage any
include is fine. The arrows are the `#include "../X/..."` lines of
src/*/*.[ch] and include/badmac/*.h (tests/, bench/ and fuzz/ may reach
into internals).

The order (LEVELS; one line = one level, stages on one line are siblings
and must not include each other):

    include/badmac   the data model (conn.h, frames.h) and the API (badmac.h)
    util, wire,      error table, diagnostics, names, options; the bounded
      proto          reader; TLS code points and the suite registry
    capture          pcap/pcapng, link, IP, TCP -> byte streams
    crypto           suites, key schedules, record protection, trial
                     decryption (below tls: tls reads certificates with x509.h)
    keys             key logs, RSA keys, PSKs
    tls              records, handshake, alerts -> bm_conn; the hook seam
    decrypt          the hook that opens records; keeps the evidence
    diagnose         one verdict per connection, from that evidence
    export           decrypted data and keys out (a decrypt observer)
    report           text and JSON, failure patterns across connections
    compare, relay   `badmac compare`, `badmac relay`
    core             wires the stages together (bm_analysis, badmac.h)
    cli              the badmac command

To add a stage: a line in LEVELS and its public headers in PUBLIC. To let
a stage use more of another: make the header public here (say why in the
commit), or move the code down to where both can see it.

Usage: layers.t [--root DIR] [--graph]. Without --root it checks this
repository, then checks that it catches what it must (an upward include, a
sibling include, a private header) in small trees it makes itself.
--graph prints the stage-to-stage arrows and exits.
"""
import os
import re
import sys
import tempfile

LEVELS = [
    ["include/badmac"],
    ["util", "wire", "proto"],
    ["capture"],
    ["crypto"],
    ["keys"],
    ["tls"],
    ["decrypt"],
    ["diagnose"],
    ["export"],
    ["report"],
    ["compare", "relay"],
    ["core"],
    ["cli"],
]

# The headers other stages may include (everything else is the stage's own).
PUBLIC = {
    "include/badmac": {"badmac.h", "conn.h", "frames.h"},
    "util": {"diag.h", "err.h", "names.h", "opt.h"},
    "wire": {"cur.h"},
    "proto": {"proto.h", "suites.h"},
    "capture": {"capture.h", "stream.h"},
    "crypto": {"crypto.h", "rec.h", "kdf.h", "rsa.h", "x509.h", "locate.h", "trial.h"},
    "keys": {"keystore.h", "keylog.h", "keyfile.h", "psk.h"},
    "tls": {"tls.h", "hook.h"},
    "decrypt": {"decrypt.h"},
    "diagnose": {"diagnose.h"},
    "export": {"export.h"},
    "report": {"report.h", "json_str.h", "jw.h"},
    "compare": {"compare.h"},
    "relay": {"relay.h"},
    "core": set(),
    "cli": set(),
}

LEVEL = {s: i for i, line in enumerate(LEVELS) for s in line}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def stage_of(rel):
    """The stage of a path relative to the root, or None."""
    parts = rel.split("/")
    if parts[:2] == ["include", "badmac"]:
        return "include/badmac"
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    return None


def sources(root):
    for top in ("src", "include/badmac"):
        base = os.path.join(root, top)
        for d, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def arrows(root):
    """(file, line, from stage, to stage, header) for every include that
    leaves its stage's directory."""
    out = []
    for rel in sources(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        src = stage_of(rel)
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            if "/" not in inc:
                continue  # same directory: within the stage
            target = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
            line = text.count("\n", 0, m.start()) + 1
            dst = stage_of(target)
            if dst == src and os.path.dirname(target) == os.path.dirname(rel):
                continue
            out.append((rel, line, src, dst, target))
    return out


def problems(root):
    errs = []
    for rel in sources(root):
        s = stage_of(rel)
        if s not in LEVEL:
            errs.append("%s: stage %s is not in LEVELS" % (rel, s))
    for rel, line, src, dst, target in arrows(root):
        where = "%s:%d: %s -> %s" % (rel, line, src, target)
        if dst is None or dst not in LEVEL:
            errs.append("%s: outside every stage" % where)
        elif src not in LEVEL:
            continue  # reported above
        elif dst == src:
            errs.append("%s: a subdirectory of its own stage" % where)
        elif LEVEL[dst] > LEVEL[src]:
            errs.append("%s: upward (%s is above %s)" % (where, dst, src))
        elif LEVEL[dst] == LEVEL[src]:
            errs.append("%s: between siblings (%s and %s are on one level)" % (where, src, dst))
        elif os.path.basename(target) not in PUBLIC.get(dst, set()):
            errs.append("%s: %s is not a public header of %s" % (where, os.path.basename(target), dst))
    return errs


def graph(root):
    edges = {}
    for _, _, src, dst, _ in arrows(root):
        if src != dst:
            edges.setdefault(src, set()).add(dst)
    for line in reversed(LEVELS):
        for s in line:
            print("%-14s -> %s" % (s, ", ".join(sorted(edges.get(s, []), key=lambda d: -LEVEL.get(d, -1))) or "-"))


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=()):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name))
        if not cond:
            self.failed += 1
            for d in diag:
                print("#   " + d)


def problems_in(files):
    """problems() of a temporary tree holding {path: text}."""
    with tempfile.TemporaryDirectory() as d:
        for p, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, p)), exist_ok=True)
            with open(os.path.join(d, p), "w") as fh:
                fh.write(text)
        return problems(d)


def self_tests(t):
    good = {
        "include/badmac/conn.h": "",
        "src/capture/capture.h": '#include "../util/err.h"\n',
        "src/capture/capture_int.h": '#include "capture.h"\n',
        "src/util/err.h": '#include "../../include/badmac/conn.h"\n',
        "src/tls/tls.h": '#include "../capture/capture.h"\n',
    }
    t.ok(problems_in(good) == [], "a tree that keeps the order passes")
    cases = [
        ("src/capture/read.c", '#include "../tls/tls.h"\n', "upward", "an upward include fails (capture -> tls)"),
        ("src/util/diag.c", '#include "../wire/cur.h"\n', "between siblings", "a sibling include fails (util -> wire)"),
        ("src/tls/x.c", '#include "../capture/capture_int.h"\n', "not a public header",
         "a private header of a lower stage fails (tls -> capture_int.h)"),
        ("src/wibble/w.c", "", "not in LEVELS", "a directory missing from LEVELS fails"),
        ("include/badmac/api.h", '#include "../../src/core/x.h"\n', "upward", "include/badmac including src fails"),
    ]
    for path, text, want, name in cases:
        errs = problems_in(dict(good, **{path: text}))
        t.ok(any(want in e for e in errs), name, errs or ["no problem reported"])


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(argv[0])), "..", ".."))
    if "--root" in argv:
        root = argv[argv.index("--root") + 1]
    if "--graph" in argv:
        graph(root)
        return 0
    t = Tap()
    errs = problems(root)
    for e in errs:
        print("# " + e)
    t.ok(not errs, "src/ keeps the stage order of layers.t (%d arrows checked)" % len(arrows(root)))
    if "--root" not in argv:
        self_tests(t)
    print("1..%d" % t.n)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
