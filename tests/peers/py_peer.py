"""py_peer.py - Python's ssl module (Debian's python3, OpenSSL 3) as a peer
of the interop matrix (tests/matrix/peers.py).

  py_peer.py client --port P --version 1.2|1.3 [--cipher S] [--ca CA.pem]
                    --path /PAGE [--keylog FILE]
      connects to 127.0.0.1:P, sends one HTTP/1.0 GET, reads to the end
  py_peer.py server --port P --version 1.2|1.3 [--cipher S] --cert CHAIN
                    --key KEY --file PAGE [--keylog FILE]
      serves one connection: reads the request, sends PAGE, closes

Keys: SSLContext.keylog_filename (an NSS key log).  Prints one line
"result: ok N bytes" or "result: error CLASS: TEXT" (the exception text the
ssl module reported).  --cipher sets the TLS 1.2 cipher list; the ssl
module has no call for TLS 1.3 suites: the matrix sets them with an
OPENSSL_CONF file (peers._ossl_conf)."""

import argparse
import socket
import ssl
import sys

VERS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def context(a, purpose):
    ctx = ssl.SSLContext(purpose)
    ctx.minimum_version = ctx.maximum_version = VERS[a.version]
    if a.cipher:
        ctx.set_ciphers(a.cipher)
    if a.keylog:
        ctx.keylog_filename = a.keylog
    return ctx


def client(a):
    ctx = context(a, ssl.PROTOCOL_TLS_CLIENT)
    if a.ca:
        ctx.load_verify_locations(a.ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    got = 0
    try:
        with socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout or None) as raw:
            with ctx.wrap_socket(raw, server_hostname="server.badmac.test") as s:
                s.sendall(("GET %s HTTP/1.0\r\nHost: server.badmac.test\r\n\r\n" % a.path).encode())
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    got += len(b)
        print("result: ok %d bytes" % got, flush=True)
        return 0
    except Exception as x:   # what the library said, whatever it was
        print("result: error %s: %s (after %d bytes)" % (type(x).__name__, x, got), flush=True)
        return 1


def server(a):
    ctx = context(a, ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    with open(a.file, "rb") as f:
        body = f.read()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(1)
    raw, _ = ls.accept()
    raw.settimeout(a.timeout)
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            req = b""
            while b"\r\n\r\n" not in req:
                b = s.recv(4096)
                if not b:
                    break
                req += b
            s.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                      % len(body) + body)
            # HTTP/1.0: close_notify ends the response; unwrap() waits (3 s)
            # for the client's, and the client's alert, if any, surfaces here
            s.settimeout(3)
            s.unwrap()
        print("result: ok sent %d bytes" % len(body), flush=True)
        return 0
    except Exception as x:
        print("result: error %s: %s" % (type(x).__name__, x), flush=True)
        return 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("client", "server"))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--version", choices=sorted(VERS), required=True)
    p.add_argument("--cipher")
    p.add_argument("--ca")
    p.add_argument("--path", default="/")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--file")
    p.add_argument("--keylog")
    p.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    return client(a) if a.mode == "client" else server(a)


if __name__ == "__main__":
    sys.exit(main())
