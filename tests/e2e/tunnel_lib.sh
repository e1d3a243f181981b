# tunnel_lib.sh - sourced by tunnels.t and ovs_tunnels.t.
# report FILE: the fields of each connection of a badmac --json report that
# an underlay capture and the tunnel's own capture must agree on.
report() {
    python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") != "connection":
        continue
    r = o.get("records") or {}
    print(o["client"]["ip"], o["client"]["port"], o["server"]["ip"], o["server"]["port"], o.get("version"),
          o.get("cipher_suite"), o.get("status"),
          *[(d, (r.get(d) or {}).get("count"), (r.get(d) or {}).get("verified"), (r.get(d) or {}).get("failed"))
            for d in ("client", "server")])
PY
}
