#!/usr/bin/env bash
# bench/run.sh [CAPTURE...] - badmac side by side with its floor, tshark and ssldump.
#
# For each capture (default: every bench/out/*.pcap; make them with bench/mkcap.sh) it runs each tool
# RUNS times (default 3) and keeps the best wall time and the highest peak RSS, then prints a table and
# writes it to bench/results/<date>-<capture name>.txt (<date>-<capture name>-cpu.txt with METRIC=cpu). The key log is CAPTURE with .keys for .pcap.
#
# Environment: RUNS (3), BADMAC (build/badmac), SPEED_SECONDS (2, per openssl speed measurement),
#   METRIC=wall|cpu (wall: best wall-clock time, the default; cpu: least user+sys CPU time, for a
#   machine that other work keeps busy - the "seconds" column and every ratio then use CPU time),
#   SKIP_TSHARK=1, SKIP_SSLDUMP=1, SKIP_BADMAC=1, NO_SAVE=1 (do not write bench/results/).
# Installs what it needs when missing: ssldump (apt-get; the row is skipped if that fails). It builds
# bench/out/timeit from bench/timeit.c (the timer: monotonic wall clock + wait4 peak RSS).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=$HERE/out
RESULTS=$HERE/results
RUNS=${RUNS:-3}
BADMAC=${BADMAC:-$ROOT/build/badmac}
SPEED_SECONDS=${SPEED_SECONDS:-2}
METRIC=${METRIC:-wall}
case $METRIC in wall|cpu) ;; *) echo "run.sh: METRIC must be wall or cpu" >&2; exit 2 ;; esac
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- tools
TIMEIT=$OUT/timeit
if [ ! -x "$TIMEIT" ] || [ "$HERE/timeit.c" -nt "$TIMEIT" ]; then
    ${CC:-cc} -O2 -Wall -Wextra -o "$TIMEIT" "$HERE/timeit.c"
fi
need_apt() {   # need_apt COMMAND PACKAGE: install PACKAGE from Debian if COMMAND is missing
    command -v "$1" >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || return 1
    echo "run.sh: installing $2 (apt-get)" >&2
    { apt-get install -y "$2" || { apt-get update && apt-get install -y "$2"; }; } >/dev/null 2>&1 || true
    command -v "$1" >/dev/null 2>&1
}
HAVE_TSHARK=0; HAVE_SSLDUMP=0; HAVE_BADMAC=0
[ "${SKIP_TSHARK:-0}" = 1 ] || { need_apt tshark tshark && HAVE_TSHARK=1 || true; }
[ "${SKIP_SSLDUMP:-0}" = 1 ] || { need_apt ssldump ssldump && HAVE_SSLDUMP=1 || true; }
need_apt tcpdump tcpdump || { echo "run.sh: tcpdump is needed for the floor" >&2; exit 1; }
need_apt openssl openssl || { echo "run.sh: openssl is needed for the crypto floor" >&2; exit 1; }
if [ "${SKIP_BADMAC:-0}" != 1 ] && [ -x "$BADMAC" ]; then HAVE_BADMAC=1; fi
BADMAC_KEYLOG=0
if [ $HAVE_BADMAC = 1 ] && "$BADMAC" --help 2>&1 | grep -- '--keylog' >/dev/null; then BADMAC_KEYLOG=1; fi  # not grep -q: under pipefail badmac would die of SIGPIPE

# ---------------------------------------------------------------- captures
if [ $# -eq 0 ]; then
    set -- "$OUT"/*.pcap
    if [ ! -e "$1" ]; then
        echo "run.sh: no capture given and none in bench/out/; make one with: sh bench/mkcap.sh" >&2
        exit 2
    fi
fi

# ---------------------------------------------------------------- crypto speed (cached per run)
# speed NAME: bytes/s for decrypting NAME records, one core, 16 KB buffers
declare -A SPEED_CACHE=()
speed_of() {   # speed_of "openssl speed args..." -> bytes per second (the 16384-byte column)
    local key="$*"
    if [ -z "${SPEED_CACHE[$key]:-}" ]; then
        local k
        # shellcheck disable=SC2086
        k=$(openssl speed $key -bytes 16384 -seconds "$SPEED_SECONDS" 2>/dev/null | tail -1 | awk '{print $NF}')
        k=${k%k}
        SPEED_CACHE[$key]=$(awk -v k="$k" 'BEGIN{printf "%.0f", k * 1000}')
    fi
    echo "${SPEED_CACHE[$key]}"
}

fmt_mbps() { awk -v b="$1" 'BEGIN{printf "%.0f", b / 1e6}'; }

# ---------------------------------------------------------------- measuring
# measure LABEL CLASS CMD...: RUNS runs; appends "label|class|best_s|rss_kb|exits|cpu_s|cmd" to ROWS
ROWS=()
measure() {
    local label=$1 class=$2; shift 2
    local best="" rss=0 exits="" cpu="" i w m c u s c2
    for ((i = 0; i < RUNS; i++)); do
        "$TIMEIT" "$WORK/t" "$@" >/dev/null 2>>"$WORK/stderr.log" </dev/null
        read -r w m c u s <"$WORK/t"
        if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN{exit !(a < b)}'; then
            best=$w
        fi
        c2=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u + s}')
        if [ -z "$cpu" ] || awk -v a="$c2" -v b="$cpu" 'BEGIN{exit !(a < b)}'; then
            cpu=$c2
        fi
        [ "$m" -gt "$rss" ] && rss=$m
        case " $exits " in *" $c "*) ;; *) exits="${exits:+$exits,}$c" ;; esac
    done
    if [ "$METRIC" = cpu ]; then
        ROWS+=("$label|$class|$cpu|$rss|$exits|$best|$*")
    else
        ROWS+=("$label|$class|$best|$rss|$exits|$cpu|$*")
    fi
}

# ---------------------------------------------------------------- per capture
SUMMARY=()
for CAP in "$@"; do
    [ -f "$CAP" ] || { echo "run.sh: $CAP: no such file" >&2; exit 2; }
    CAP=$(cd "$(dirname "$CAP")" && pwd)/$(basename "$CAP")
    NAME=$(basename "$CAP"); NAME=${NAME%.pcap}; NAME=${NAME%.pcapng}
    KEYS=${CAP%.*}.keys
    [ -f "$KEYS" ] || KEYS=""
    case $NAME in
    tls13-aes128gcm*|tls12-aes128gcm*) CRYPTO="aes-128-gcm"
        SPEED=$(speed_of -evp aes-128-gcm -decrypt) ;;
    tls12-chacha*) CRYPTO="chacha20-poly1305"
        SPEED=$(speed_of -evp chacha20-poly1305 -decrypt) ;;
    tls12-aes128cbc*) CRYPTO="aes-128-cbc + hmac-sha1"
        a=$(speed_of -evp aes-128-cbc -decrypt); h=$(speed_of -hmac sha1)
        SPEED=$(awk -v a="$a" -v h="$h" 'BEGIN{printf "%.0f", 1 / (1 / a + 1 / h)}') ;;
    *) CRYPTO="aes-128-gcm (assumed from the name)"
        SPEED=$(speed_of -evp aes-128-gcm -decrypt) ;;
    esac
    SPEED_ENC=""
    case $CRYPTO in aes-128-gcm*) SPEED_ENC=$(speed_of -evp aes-128-gcm) ;; chacha*) SPEED_ENC=$(speed_of -evp chacha20-poly1305) ;; esac

    cat "$CAP" >/dev/null  # warm the page cache: every tool reads from memory
    SIZE=$(wc -c <"$CAP")
    packets=0; max_frame=0; big_frames=0; tcp_flows=0; tcp_payload=0
    eval "$(python3 "$HERE/pcapstat.py" "$CAP")"   # sets the five above
    LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

    ROWS=()
    : >"$WORK/stderr.log"
    measure "floor: libpcap read (tcpdump)" floor tcpdump -r "$CAP" -w /dev/null
    if [ $HAVE_BADMAC = 1 ]; then
        measure "badmac keyless" keyless "$BADMAC" --json "$CAP"
    fi
    if [ $HAVE_TSHARK = 1 ]; then
        measure "tshark keyless, follow" keyless tshark -r "$CAP" -q -z follow,tls,raw,0 --disable-protocol http
        measure "tshark keyless, plain" keyless tshark -r "$CAP" -q
        measure "tshark keyless, -Y alert" keyless tshark -r "$CAP" -q -Y tls.alert_message
    fi
    if [ $HAVE_SSLDUMP = 1 ]; then
        measure "ssldump keyless" keyless ssldump -r "$CAP" -n
    fi
    SSLDUMP_NOTE=""; BADMAC_NOTE=""
    if [ -n "$KEYS" ]; then
        if [ $HAVE_BADMAC = 1 ] && [ $BADMAC_KEYLOG = 1 ]; then
            measure "badmac with keys" keys "$BADMAC" --json --keylog "$KEYS" "$CAP"
            # What it did: records verified / failed / undecryptable over all connections.
            "$BADMAC" --json --keylog "$KEYS" "$CAP" 2>/dev/null </dev/null >"$WORK/bm.json" || true
            BADMAC_NOTE=$(python3 -c '
import json, sys
v = f = u = c = 0
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") != "connection":
        continue
    c += 1
    for side in (o.get("records") or {}).values():
        v += side.get("verified", 0) or 0
        f += side.get("failed", 0) or 0
        u += side.get("undecryptable", 0) or 0
print("badmac with keys: %d connections, %d records verified, %d failed, %d undecryptable." % (c, v, f, u))
' "$WORK/bm.json" 2>/dev/null || echo "badmac with keys: could not read its JSON output.")
        fi
        if [ $HAVE_TSHARK = 1 ]; then
            measure "tshark with keys, follow" keys tshark -r "$CAP" -q -o "tls.keylog_file:$KEYS" \
                -z follow,tls,raw,0 --disable-protocol http
            measure "tshark with keys, plain" keys tshark -r "$CAP" -q -o "tls.keylog_file:$KEYS"
            measure "tshark with keys, -Y alert" keys tshark -r "$CAP" -q -o "tls.keylog_file:$KEYS" \
                -Y tls.alert_message
        fi
        if [ $HAVE_SSLDUMP = 1 ]; then
            measure "ssldump with keys" keys ssldump -r "$CAP" -l "$KEYS" -n
            # Did it decrypt? The mkcap.sh captures start with a plaintext "GET /f.bin" request.
            { ssldump -d -r "$CAP" -l "$KEYS" -n 2>/dev/null || true; } | head -n 400 >"$WORK/sd.txt" || true
            if grep -q 'GET /f.bin' "$WORK/sd.txt"; then
                SSLDUMP_NOTE="ssldump decrypted the records (the GET request is visible with -d)."
            else
                SSLDUMP_NOTE="ssldump did NOT decrypt this capture (no plaintext with -d): its time is a parse-only time."
            fi
        fi
    fi

    # reference times
    floor_s=""; tk_s=""; tkeys_s=""
    for r in "${ROWS[@]}"; do
        IFS='|' read -r label class best rss exits cpu cmd <<<"$r"
        case $label in
        "floor: libpcap read (tcpdump)") floor_s=$best ;;
        "tshark keyless, follow") tk_s=$best ;;
        "tshark with keys, follow") tkeys_s=$best ;;
        esac
    done
    crypto_s=$(awk -v b="$tcp_payload" -v s="$SPEED" 'BEGIN{printf "%.4f", b / s}')
    cfloor_s=$(awk -v a="$floor_s" -v c="$crypto_s" 'BEGIN{printf "%.4f", a + c}')

    DATE=$(date +%Y-%m-%d)
    REPORT=$WORK/report.txt
    {
        echo "badmac bench: $NAME   ($(date -u '+%Y-%m-%d %H:%M UTC'))"
        echo "capture   $CAP"
        echo "          $SIZE bytes ($(fmt_mbps "$SIZE") MB), $packets frames, largest frame $max_frame bytes" \
             "($big_frames over 1514), $tcp_flows TCP directions with payload"
        echo "          TLS bytes (TCP payload, each sequence byte once): $tcp_payload ($(fmt_mbps "$tcp_payload") MB)"
        echo "key log   ${KEYS:-none}"
        echo "machine   $(nproc) cores, $(uname -r), load average before: $LOAD; best of $RUNS runs, page cache warm"
        if [ "$METRIC" = cpu ]; then
            echo "metric    seconds = least user+sys CPU time of the runs (METRIC=cpu); the last column is the best wall time"
        else
            echo "metric    seconds = best wall-clock time of the runs; the last column is the least user+sys CPU time"
        fi
        if awk -v l="${LOAD%% *}" -v n="$(nproc)" 'BEGIN{exit !(l > 1.5 * n)}'; then
            if [ "$METRIC" = cpu ]; then
                echo "WARNING   the machine was busy (load ${LOAD%% *} on $(nproc) cores): even CPU times are inflated; compare rows of this table only"
            else
                echo "WARNING   the machine was busy (load ${LOAD%% *} on $(nproc) cores): wall times are inflated; compare with METRIC=cpu"
            fi
        fi
        echo "versions  $(tcpdump --version 2>&1 | head -2 | tr '\n' ' ')| $( [ $HAVE_TSHARK = 1 ] && tshark --version 2>/dev/null | head -1)" \
             "| $( [ $HAVE_SSLDUMP = 1 ] && dpkg-query -W -f='ssldump ${Version}' ssldump 2>/dev/null) | $(openssl version)"
        echo
        if [ "$METRIC" = cpu ]; then other="wall s"; else other="cpu s"; fi
        printf '%-32s %8s %8s %9s %8s %10s %6s %7s\n' tool seconds MB/s "RSS MB" "x floor" "x tshark" exit "$other"
        printf '%-32s %8s %8s %9s %8s %10s %6s %7s\n' "--------------------------------" -------- -------- --------- -------- ---------- ------ -------
        for r in "${ROWS[@]}"; do
            IFS='|' read -r label class best rss exits cpu cmd <<<"$r"
            case $class in
            floor) fl=$floor_s; ts="" ;;
            keyless) fl=$floor_s; ts=$tk_s ;;
            keys) fl=$cfloor_s; ts=$tkeys_s ;;
            esac
            awk -v l="$label" -v b="$best" -v sz="$SIZE" -v r="$rss" -v fl="$fl" -v ts="$ts" -v e="$exits" -v c="$cpu" 'BEGIN{
                xf = (fl > 0) ? sprintf("%.2f", b / fl) : "-";
                xt = (ts != "" && b > 0) ? sprintf("%.2f", ts / b) : "-";
                printf "%-32s %8.3f %8.0f %9.1f %8s %10s %6s %7s\n", l, b, sz / 1e6 / b, r / 1024, xf, xt, e, c }'
        done
        echo
        echo "floors"
        printf '  %-30s %8.3f s  (tcpdump -r CAP -w /dev/null)\n' "keyless floor (libpcap read)" "$floor_s"
        awk -v s="$SPEED" -v e="$SPEED_ENC" -v c="$CRYPTO" -v t="$crypto_s" -v b="$tcp_payload" 'BEGIN{
            printf "  %-30s %8.3f s  (%.0f MB at %.0f MB/s, openssl speed %s decrypt, 16 KB, one core", "crypto for the TLS bytes", t, b / 1e6, s / 1e6, c;
            if (e != "") printf "; encrypt %.0f MB/s", e / 1e6;
            printf ")\n" }'
        printf '  %-30s %8.3f s  (libpcap read + crypto)\n' "decrypting floor" "$cfloor_s"
        echo
        echo "x floor : tool seconds / floor seconds (keyless rows: libpcap read; \"with keys\" rows: decrypting floor)"
        echo "x tshark: tshark seconds / tool seconds, against \"tshark ... follow\" of the same class (higher = faster)"
        echo "RSS MB  : peak resident set (wait4 ru_maxrss) over the runs; exit: exit statuses seen"
        if [ $HAVE_TSHARK = 1 ]; then
            echo "tshark plain (-q, no tap, no filter) skips dissection: it only reads frames, keys or not;"
            echo "  -Y tls.alert_message (looking for the alert) and -z follow dissect and decrypt every record."
        fi
        if [ -n "$SSLDUMP_NOTE" ]; then echo "$SSLDUMP_NOTE"; fi
        if [ -n "$BADMAC_NOTE" ]; then echo "$BADMAC_NOTE"; fi
        echo
        echo "commands (stdout to /dev/null, stdin from /dev/null)"
        for r in "${ROWS[@]}"; do
            IFS='|' read -r label class best rss exits cpu cmd <<<"$r"
            printf '  %-30s %s\n' "$label:" "$cmd"
        done
        if grep -q -v -e '^Running as user "root"' -e '^Not enough data' -e '^reading from file' "$WORK/stderr.log"; then
            echo
            echo "stderr of the runs (first distinct lines)"
            grep -v -e '^Running as user "root"' -e '^Not enough data' -e '^reading from file' "$WORK/stderr.log" | sort | uniq -c | sort -rn | head -8 | sed 's/^/  /' || true
        fi
    } >"$REPORT"
    cat "$REPORT"
    echo
    if [ "${NO_SAVE:-0}" != 1 ]; then
        mkdir -p "$RESULTS"
        SUFFIX=""; [ "$METRIC" = cpu ] && SUFFIX=-cpu
        cp "$REPORT" "$RESULTS/$DATE-$NAME$SUFFIX.txt"
        echo "(written to bench/results/$DATE-$NAME$SUFFIX.txt)"
        echo
    fi
    for r in "${ROWS[@]}"; do
        IFS='|' read -r label class best rss exits cpu cmd <<<"$r"
        case $label in badmac*)
            SUMMARY+=("$(printf '%-28s %-18s %7s MB %8.3f s %8.1f MB RSS' "$NAME" "$label" "$(fmt_mbps "$SIZE")" "$best" "$(awk -v r="$rss" 'BEGIN{print r / 1024}')")") ;;
        esac
    done
done

if [ ${#SUMMARY[@]} -gt 1 ]; then
    echo "badmac across captures (peak RSS must stay flat as the capture grows)"
    printf '  %s\n' "${SUMMARY[@]}"
fi
