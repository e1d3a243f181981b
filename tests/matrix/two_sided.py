"""two_sided.py - the two-vantage-point corpus (driven by two_sided.sh, see
its header).  Uses matrix.py's cell runner and peers.py's peer commands,
unchanged."""

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import matrix  # noqa: E402
import peers   # noqa: E402

BADMAC = os.environ["BADMAC"]
OUT = os.environ["TWO_SIDED_OUT"]
FAULTS = ("flip", "burst", "drop", "dup", "truncate")


def compare(d, a, b=None, keys="keys.log"):
    """badmac compare --json --keylog in cell directory d."""
    argv = [BADMAC, "compare", "--json", "--keylog", os.path.join(d, keys)]
    argv += ["--split-interfaces", os.path.join(d, a)] if b is None else \
        [os.path.join(d, a), os.path.join(d, b)]
    with open(os.path.join(d, "compare.json"), "w") as out:
        rc = subprocess.run(argv, stdout=out, stderr=open(os.path.join(d, "compare.err"), "w"),
                            timeout=60).returncode
    with open(os.path.join(d, "compare.rc"), "w") as f:
        f.write("%d\n" % rc)
    return rc


def base(v, cl="openssl", sv="openssl", suite="AES-GCM", etm=None, kf="client"):
    return dict(client=cl, server=sv, keys_from=kf, version=v, suite=suite, etm=etm,
                www=WWW, page="p40.html", size=matrix.SIZE)


def relay_cells(cells):
    """Returns the targeted server record index per version."""
    target = {}
    for v in ("1.2", "1.3"):
        row = "openssl_tls" + v
        d = os.path.join(OUT, row, "none")
        res = matrix.run_cell(base(v), d)
        ks = matrix.large_records(res)
        cells.append(dict(cell="%s/none" % row, dir=d, fault="none", version=v,
                          error=res.get("error"), rc=compare(d, "capture.pcapng")))
        if not ks:
            continue
        k = target[v] = ks[1] if len(ks) > 1 else ks[0]
        for f in FAULTS:
            d = os.path.join(OUT, row, f)
            res = matrix.run_cell(dict(base(v), fault_args=matrix.fault_args(f, k)), d)
            cells.append(dict(cell="%s/%s" % (row, f), dir=d, fault=f, version=v, record=k,
                              error=res.get("error"), rc=compare(d, "capture.pcapng")))
    return target


def start(argv, d, name, env=None, cwd=None, stdin=subprocess.DEVNULL):
    return subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin,
                            stdout=open(os.path.join(d, name + ".out"), "w"),
                            stderr=open(os.path.join(d, name + ".err"), "w"),
                            start_new_session=True)


def outside_cell(name, fault):
    """client -> relay 1 (FAULT, outside the points) -> relay 2 (--pcap) -> server."""
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cell = base("1.3")
    keys = os.path.join(d, "keys.log")
    cell["server_port"], p2, cell["relay_port"] = (matrix.free_port() for _ in range(3))
    sargv, senv, scwd = peers.server("openssl", cell, None)
    cargv, cenv, cin = peers.client("openssl", cell, keys)
    procs = []
    err = None
    try:
        procs.append(start(sargv, d, "server", senv, scwd))
        if not matrix.wait_for(lambda: matrix.listening(cell["server_port"]), 5):
            return dict(cell=name, dir=d, error="server did not start")
        procs.append(start([BADMAC, "relay", "--listen", "127.0.0.1:%d" % p2, "--to",
                            "127.0.0.1:%d" % cell["server_port"], "--once", "--idle-timeout", "10",
                            "--log", os.path.join(d, "points.jsonl"),
                            "--pcap", os.path.join(d, "capture.pcapng")], d, "relay2"))
        procs.append(start([BADMAC, "relay", "--listen", "127.0.0.1:%d" % cell["relay_port"], "--to",
                            "127.0.0.1:%d" % p2, "--once", "--idle-timeout", "10",
                            "--log", os.path.join(d, "relay.jsonl")] + fault, d, "relay1"))
        if not matrix.wait_for(lambda: matrix.listening(p2) and matrix.listening(cell["relay_port"]), 5):
            return dict(cell=name, dir=d, error="relays did not start")
        cp = start(cargv, d, "client", cenv, stdin=subprocess.PIPE)
        procs.append(cp)
        try:
            cp.stdin.write(cin)
            cp.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            cp.wait(15)
        except subprocess.TimeoutExpired:
            err = "client timeout"
        for p in procs[::-1]:
            matrix.stop(p, 2)
    finally:
        for p in procs:
            if p.poll() is None:
                matrix.stop(p, 0)
    return dict(cell=name, dir=d, fault=name, version="1.3", error=err, rc=compare(d, "capture.pcapng"))


def sender_cell():
    """mbedtls_peer server with --fault etm-flip: the server's records go out
    with the wrong MAC construction; nothing changes between the points."""
    d = os.path.join(OUT, "sender")
    if not os.access(os.path.join(peers.PEERS, "mbedtls_peer"), os.X_OK):
        return dict(cell="sender", dir=d, skip="tests/peers/out/mbedtls_peer not built")
    cell = dict(base("1.2", "mbedtls", "mbedtls", "AES-CBC-SHA", True), server_fault="etm-flip")
    res = matrix.run_cell(cell, d)
    return dict(cell="sender", dir=d, fault="sender", version="1.2", error=res.get("error"),
                rc=compare(d, "capture.pcapng"))


def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=20).stdout.decode(errors="replace")


def nat_cell():
    """Kernel NAT between two network namespaces: the client connects to
    10.77.1.1:4433 (the router), dnat to 10.77.2.2:8443, masquerade out."""
    d = os.path.join(OUT, "nat")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for t in ("nft", "tcpdump", "ip"):
        if not shutil.which(t):
            return dict(cell="nat", dir=d, skip="%s missing" % t)
    tag = "%d" % (os.getpid() % 100000)
    ns = {k: "bm%s%s" % (k, tag) for k in "crs"}
    procs = []
    try:
        try:
            sh("ip netns add %(c)s && ip netns add %(r)s && ip netns add %(s)s" % ns)
        except subprocess.CalledProcessError as x:
            return dict(cell="nat", dir=d, skip="ip netns unusable: %s" % x.stdout.decode().strip())
        setup = """
ip link add vc{t} netns {c} type veth peer name vrc{t} netns {r}
ip link add vs{t} netns {s} type veth peer name vrs{t} netns {r}
ip -n {c} addr add 10.77.1.2/24 dev vc{t}; ip -n {r} addr add 10.77.1.1/24 dev vrc{t}
ip -n {s} addr add 10.77.2.2/24 dev vs{t}; ip -n {r} addr add 10.77.2.1/24 dev vrs{t}
for n in {c} {r} {s}; do ip -n $n link set lo up; done
ip -n {c} link set vc{t} up; ip -n {r} link set vrc{t} up
ip -n {s} link set vs{t} up; ip -n {r} link set vrs{t} up
ip -n {c} route add default via 10.77.1.1; ip -n {s} route add default via 10.77.2.1
ip netns exec {r} sysctl -qw net.ipv4.ip_forward=1
ip netns exec {r} nft -f - <<'EOF'
table ip nat {{
  chain pre {{ type nat hook prerouting priority dstnat; tcp dport 4433 dnat to 10.77.2.2:8443; }}
  chain post {{ type nat hook postrouting priority srcnat; oifname "vrs{t}" masquerade random; }}
}}
EOF
""".format(t=tag, **ns)
        try:
            sh(setup)
        except subprocess.CalledProcessError as x:
            return dict(cell="nat", dir=d, skip="netns/nft setup failed: %s" % x.stdout.decode().strip())
        keys = os.path.join(d, "keys.log")
        for side, n, dev in (("a", ns["c"], "vc" + tag), ("b", ns["s"], "vs" + tag)):
            procs.append(start(["ip", "netns", "exec", n, "tcpdump", "-i", dev, "-U", "-n", "-w",
                                os.path.join(d, side + ".pcap"), "tcp"], d, "tcpdump-" + side))
        matrix.wait_for(lambda: all("listening on" in matrix.read(os.path.join(d, "tcpdump-%s.err" % s))
                                    for s in "ab"), 5)
        cell = dict(base("1.3"), server_port=8443, relay_port=4433)
        sargv, senv, scwd = peers.server("openssl", cell, None)
        procs.append(start(["ip", "netns", "exec", ns["s"]] + sargv, d, "server", senv, scwd))
        time.sleep(0.3)
        cargv, cenv, cin = peers.client("openssl", cell, keys)
        cargv = [a.replace("127.0.0.1:4433", "10.77.1.1:4433") for a in cargv]
        cp = start(["ip", "netns", "exec", ns["c"]] + cargv, d, "client", cenv, stdin=subprocess.PIPE)
        procs.append(cp)
        cp.stdin.write(cin)
        cp.stdin.flush()
        try:
            cp.wait(10)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)
        for p in procs[::-1]:
            matrix.stop(p, 0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                matrix.stop(p, 0)
        for n in ns.values():
            sh("ip netns del %s" % n, check=False)
    return dict(cell="nat", dir=d, fault="nat", version="1.3", error=None, rc=compare(d, "a.pcap", "b.pcap"))


def main():
    global WWW
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    WWW = os.path.join(OUT, "www")
    os.makedirs(WWW, exist_ok=True)
    with open(os.path.join(WWW, "p40.html"), "w") as f:
        for i in range(matrix.SIZE // 64):
            f.write("line %06d: the quick brown fox jumps over the lazy dog 0123456\n" % i)
    cells = []
    target = relay_cells(cells)
    # the 2nd large server record, as in matrix.py (the 1st is also the largest so far)
    cells.append(outside_cell("outside-s2c", ["--flip", "s2c,index=%d:100:3" % target.get("1.3", 9)]))
    cells.append(outside_cell("outside-c2s", ["--flip", "c2s,nth-app=0:0:0"]))
    cells.append(sender_cell())
    cells.append(nat_cell())
    for c in cells:
        print("%-22s %s" % (c["cell"], c.get("skip") and "SKIP " + c["skip"] or
                            c.get("error") or "compare exit %s" % c.get("rc")), flush=True)
    with open(os.path.join(OUT, "cells.json"), "w") as f:
        json.dump({"seconds": round(time.time() - t0, 1), "cells": cells}, f, indent=1)
    return 0


WWW = None
if __name__ == "__main__":
    sys.exit(main())
