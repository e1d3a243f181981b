#!/bin/sh
# cases.sh - the golden-output cases, one per line: "NAME<TAB>ARGS" where
# ARGS are badmac's arguments, paths relative to the top of the repository.
# Every capture of tests/fixtures (and of tests/golden/corpus, failures
# frozen from the interop matrix) runs keyless and, where key material
# exists, with it, in text and in JSON; the two-vantage-point captures also
# run through `badmac compare`.  Reads no stdin.
set -eu
cd "$(dirname "$0")/../.."
F=tests/fixtures
PSK12=client12:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809
PSK13=client1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
RSA="--rsa-key $F/pki/server.key"
tab=$(printf '\t')
emit() { # emit NAME ARGS...: text and JSON
    n=$1; shift
    printf '%s%s%s\n' "$n.txt" "$tab" "$*"
    case $1 in
    compare) shift; printf '%s%s%s\n' "$n.json" "$tab" "compare --json $*" ;;
    *) printf '%s%s%s\n' "$n.json" "$tab" "--json $*" ;;
    esac
}
for cap in $(find $F tests/golden/corpus \( -name '*.pcap' -o -name '*.pcapng' \) ! -path "$F/rotated/*" 2>/dev/null |
             LC_ALL=C sort); do
    base=${cap%.*}
    name=$(echo "$base" | sed -e 's|^tests/fixtures/||' -e 's|^tests/golden/corpus/|corpus/|' -e 's|/|__|g')
    emit "$name.nokeys" "$cap"
    keys=$base.keys
    case $cap in
    $F/loss/*)
        keys=$F/$(awk -v n="$(basename "$base")" '$1 == n { print $3 }' $F/loss/LIST)
        keys=${keys%/} ;;
    $F/compare/*)
        keys=$(echo "$base" | sed 's/-[ab]$//').keys ;;
    esac
    [ -f "$keys" ] && emit "$name.keys" --keylog "$keys" "$cap"
    case $cap in
    *rsa*|*renegotiation*|*psk*) emit "$name.rsa" $RSA "$cap" ;;
    esac
    case $cap in
    *tls12*psk*) emit "$name.psk" --psk "$PSK12" $RSA "$cap" ;;
    *tls13*psk*) emit "$name.psk" --psk "$PSK13" "$cap" ;;
    esac
    if [ -f "$base.psk" ]; then
        emit "$name.pskfile" --psk "$(cat "$base.psk")" "$cap"
    fi
done
for a in $(find $F/compare -name '*-a.pcap*' | LC_ALL=C sort); do
    b=$(echo "$a" | sed 's/-a\.pcap/-b.pcap/')
    [ -f "$b" ] || continue
    n=compare__$(basename "${a%-a.*}")
    emit "$n" compare "$a" "$b"
    k=${a%-a.*}.keys
    [ -f "$k" ] && emit "$n.keys" compare --keylog "$k" "$a" "$b"
done
# a few runs over several captures at once (connection ids, the summary):
# each on its own (--separate), and as one capture merged by timestamp
emit multi.keys --separate --keylog $F/demo.keys --keylog $F/tls13-resumed.keys $F/demo.pcapng $F/tls13-resumed.pcap
emit multi.quiet --separate --quiet $F/demo.pcapng $F/tls12-resumed.pcap
emit merged.keys --keylog $F/demo.keys --keylog $F/tls13-resumed.keys $F/demo.pcapng $F/tls13-resumed.pcap
# demo.pcapng cut by editcap -c 10: one connection across seven files
emit rotated.keys --keylog $F/demo.keys $F/rotated
emit rotated.nokeys $(ls $F/rotated/*.pcapng | LC_ALL=C sort)
