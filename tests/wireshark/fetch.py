#!/usr/bin/env python3
"""fetch.py [CACHE] - fetch Wireshark's test captures and keys from the Debian 12
source package `wireshark` into CACHE (default tests/wireshark/cache/).

Only deb.debian.org is contacted. The chain of trust is Debian's own:
  1. dists/bookworm/InRelease (and bookworm-security's) is checked with gpgv
     against /usr/share/keyrings/debian-archive-keyring.gpg;
  2. main/source/Sources.xz must have the SHA256 that InRelease lists;
  3. the wireshark .dsc must have the SHA256 that Sources lists;
  4. the .orig tarball must have the SHA256 that the .dsc lists
     (Checksums-Sha256).
The version taken is the one of the installed tshark package when an index
has it (the captures and suite_decryption.py then match the dissector the
tests compare against), else the newest in bookworm / bookworm-security.

Only test/captures/, test/keys/, test/config/ (the key table ssl_keys.tmpl with
the password of key.p12) and test/suite_decryption.py are extracted
(into CACHE/wireshark-VERSION/), the tarball is deleted afterwards, and
CACHE/wireshark-VERSION/SOURCE records what was fetched and its checksums.
A second run with a complete cache contacts nothing.

Prints the extracted directory on stdout. Exit status: 0 ready; 1 a
download did not verify or could not be read; 3 deb.debian.org unreachable.
No standard input is read; the system's apt configuration is not touched.
"""
import hashlib
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request

MIRROR = "http://deb.debian.org"
SUITES = [("debian", "bookworm"), ("debian-security", "bookworm-security")]
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
WANT = ("test/captures/", "test/keys/", "test/config/", "test/suite_decryption.py")
HERE = os.path.dirname(os.path.abspath(__file__))


class Unreachable(Exception):
    pass


def log(msg):
    print("fetch.py: " + msg, file=sys.stderr)


def get(url, dest=None):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            if dest is None:
                return r.read()
            with open(dest, "wb") as f:
                shutil.copyfileobj(r, f, 1 << 20)
            return None
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable("%s: %s" % (url, e))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fields(para, name):
    """Lines of a multi-line deb822 field (e.g. Checksums-Sha256)."""
    out, on = [], False
    for line in para.splitlines():
        if line.startswith(name + ":"):
            on = True
            continue
        if on:
            if line.startswith(" "):
                out.append(line.split())
            else:
                break
    return out


def field(para, name):
    for line in para.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def verified_release(archive, suite, tmp):
    path = os.path.join(tmp, suite + ".InRelease")
    get("%s/%s/dists/%s/InRelease" % (MIRROR, archive, suite), path)
    p = subprocess.run(["gpgv", "--keyring", KEYRING, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise SystemExit("fetch.py: %s InRelease: bad signature:\n%s" % (suite, p.stdout))
    text = open(path, encoding="utf-8", errors="replace").read()
    body = text.split("\nSHA256:", 1)
    if len(body) != 2:
        raise SystemExit("fetch.py: %s InRelease has no SHA256 list" % suite)
    for line in body[1].splitlines()[1:]:
        if not line.startswith(" "):
            break
        h, size, name = line.split()
        if name == "main/source/Sources.xz":
            return h
    raise SystemExit("fetch.py: %s InRelease lists no main/source/Sources.xz" % suite)


def wireshark_entries(archive, suite, tmp):
    want = verified_release(archive, suite, tmp)
    raw = get("%s/%s/dists/%s/main/source/Sources.xz" % (MIRROR, archive, suite))
    if hashlib.sha256(raw).hexdigest() != want:
        raise SystemExit("fetch.py: %s Sources.xz: SHA256 differs from InRelease" % suite)
    out = []
    for para in lzma.decompress(raw).decode("utf-8", "replace").split("\n\n"):
        if para.startswith("Package: wireshark\n"):
            out.append((archive, para))
    return out


def vkey(v):
    """Good enough ordering of Debian versions for picking the newest."""
    p = subprocess.run(["dpkg", "--compare-versions", v[0], "gt", v[1]])
    return p.returncode == 0


def installed_tshark():
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "tshark"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True)
    return p.stdout.strip() if p.returncode == 0 else None


def complete(d):
    return os.path.exists(os.path.join(d, "SOURCE")) and os.path.isdir(os.path.join(d, "captures"))


def main():
    cache = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "cache"))
    os.makedirs(cache, exist_ok=True)
    inst = installed_tshark()
    if inst:
        d = os.path.join(cache, "wireshark-" + inst)
        if complete(d):
            print(d)
            return 0
    tmp = tempfile.mkdtemp(prefix="wsfetch.", dir=cache)
    try:
        entries = []
        for archive, suite in SUITES:
            entries += wireshark_entries(archive, suite, tmp)
        if not entries:
            raise SystemExit("fetch.py: no wireshark source package in the indexes")
        pick = None
        for archive, para in entries:
            if inst and field(para, "Version") == inst:
                pick = (archive, para)
                break
        if pick is None:
            pick = entries[0]
            for e in entries[1:]:
                if vkey((field(e[1], "Version"), field(pick[1], "Version"))):
                    pick = e
        archive, para = pick
        version = field(para, "Version")
        d = os.path.join(cache, "wireshark-" + version)
        if complete(d):
            print(d)
            return 0
        pool = "%s/%s/%s" % (MIRROR, archive, field(para, "Directory"))
        sums = {name: (h, int(size)) for h, size, name in fields(para, "Checksums-Sha256")}
        dsc = [n for n in sums if n.endswith(".dsc")][0]
        dsc_path = os.path.join(tmp, dsc)
        get(pool + "/" + dsc, dsc_path)
        if sha256_file(dsc_path) != sums[dsc][0]:
            raise SystemExit("fetch.py: %s: SHA256 differs from the Sources index" % dsc)
        dsc_text = open(dsc_path, encoding="utf-8", errors="replace").read()
        dsums = {name: (h, int(size)) for h, size, name in fields(dsc_text, "Checksums-Sha256")}
        orig = [n for n in dsums if ".orig.tar." in n and not n.endswith(".asc")]
        if len(orig) != 1:
            raise SystemExit("fetch.py: %s lists no single .orig tarball: %r" % (dsc, list(dsums)))
        orig = orig[0]
        orig_path = os.path.join(tmp, orig)
        log("downloading %s (%d bytes)" % (orig, dsums[orig][1]))
        get(pool + "/" + orig, orig_path)
        got = sha256_file(orig_path)
        if got != dsums[orig][0]:
            raise SystemExit("fetch.py: %s: SHA256 %s, the .dsc says %s" % (orig, got, dsums[orig][0]))
        stage = os.path.join(tmp, "out")
        os.makedirs(stage)
        n = 0
        with tarfile.open(orig_path, "r:*") as tf:
            for m in tf:
                parts = m.name.split("/", 1)
                if len(parts) != 2 or not parts[1].startswith(WANT):
                    continue
                if not (m.isfile() or m.isdir()) or ".." in m.name.split("/"):
                    continue
                rel = parts[1][len("test/"):]
                out = os.path.join(stage, rel)
                if m.isdir():
                    os.makedirs(out, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with tf.extractfile(m) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                n += 1
        with open(os.path.join(stage, "SOURCE"), "w") as f:
            f.write("Debian source package wireshark %s (%s/%s)\n" % (version, archive, field(para, "Directory")))
            f.write("%s sha256 %s (InRelease -> Sources.xz -> .dsc verified)\n" % (dsc, sums[dsc][0]))
            f.write("%s sha256 %s (as listed in the .dsc)\n" % (orig, dsums[orig][0]))
            f.write("%d files extracted: test/captures, test/keys, test/config, test/suite_decryption.py\n" % n)
        if os.path.exists(d):
            shutil.rmtree(d)
        os.rename(stage, d)
        log("%d files in %s" % (n, d))
        print(d)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Unreachable as e:
        log("deb.debian.org unreachable: %s" % e)
        sys.exit(3)
    except urllib.error.HTTPError as e:
        log("%s: HTTP %s" % (e.url, e.code))
        sys.exit(1)
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            sys.exit(1)
        raise
