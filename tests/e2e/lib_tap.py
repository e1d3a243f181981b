"""lib_tap.py - TAP helpers for e2e Python tests (the counterpart of
lib_tap.sh): `from lib_tap import tap, done_testing`; run_main, a script's last line;
and json_lines, the
reader of `badmac --json` output (also used by tests/matrix)."""
import json
import shutil
import sys

_count = {"n": 0, "failed": 0}


def tap(ok, desc, diag=None, todo=None):
    """One test line; diag (text) is shown as comments when it fails.
    todo: the reason of a known failure (`# TODO reason`: not counted as a
    failure; prove lists it as "TODO passed" once it passes)."""
    _count["n"] += 1
    if not ok and not todo:
        _count["failed"] += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", _count["n"], desc,
                            " # TODO " + todo if todo else ""))
    if not ok and diag:
        for line in str(diag).splitlines()[:12]:
            print("#   " + line)
    sys.stdout.flush()


def failed():
    return _count["failed"]


def done_testing():
    """Print the plan; the exit status for sys.exit()."""
    print("1..%d" % _count["n"])
    return 1 if _count["failed"] else 0


def run_main(main, *tmpdirs):
    """`if __name__ == "__main__": run_main(main, TMP)`: exit with main()'s
    status after removing the temporary directories, whatever happened."""
    try:
        rc = main()
    finally:
        for d in tmpdirs:
            shutil.rmtree(d, ignore_errors=True)
    sys.exit(rc)


def json_lines(text):
    """The objects of JSON-lines text (`badmac --json`), in order; a line
    that is not JSON is passed over."""
    for line in text.splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue
