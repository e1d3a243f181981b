"""peers.py - how each TLS implementation is started for a matrix cell.

Libraries: openssl (s_server/s_client 3.0), gnutls (gnutls-serv/gnutls-cli
3.7), mbedtls (tests/peers/out/mbedtls_peer, 2.28), wolfssl
(tests/peers/out/wolfssl_peer, 5.5).  Application peers (APPS): python
(Debian's python3 ssl module, tests/peers/py_peer.py, client and server;
python+timeout: the client with a socket timeout),
curl (7.88, OpenSSL), java (OpenJDK 17 JSSE, tests/peers/JsseClient.java,
client), nginx (1.22, a config per cell) and haproxy (2.6, a config per
cell), servers.  Each builder returns (argv, env) or raises NA(reason) when
the library cannot do what the cell asks."""

import os
import re
import shutil

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKI = os.path.join(TOP, "tests", "fixtures", "pki")
PEERS = os.path.join(TOP, "tests", "peers", "out")


class NA(Exception):
    """The combination cannot be run: the message says why."""


# Generic suites.  kind: cbc (EtM axis applies), stream, aead.
# Per library: openssl = cipher string (<= 1.2) / ciphersuite (1.3);
# gnutls = (cipher, mac, kx); mbedtls / wolfssl = suite names.  None = the
# library (as Debian builds it) lacks the suite.
SUITES = {
    "RC4-SHA": dict(kind="stream", versions=("1.0", "1.1", "1.2"),
                    openssl=None, gnutls=("ARCFOUR-128", "SHA1", "RSA:+ECDHE-RSA"),
                    mbedtls="TLS-RSA-WITH-RC4-128-SHA", wolfssl="ECDHE-RSA-RC4-SHA"),
    "3DES-CBC-SHA": dict(kind="cbc", versions=("1.0", "1.1", "1.2"),
                         openssl=None, gnutls=("3DES-CBC", "SHA1", "ECDHE-RSA"),
                         mbedtls="TLS-ECDHE-RSA-WITH-3DES-EDE-CBC-SHA",
                         wolfssl="ECDHE-RSA-DES-CBC3-SHA"),
    "AES-CBC-SHA": dict(kind="cbc", versions=("1.0", "1.1", "1.2"),
                        openssl="ECDHE-RSA-AES128-SHA", gnutls=("AES-128-CBC", "SHA1", "ECDHE-RSA"),
                        mbedtls="TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA",
                        wolfssl="ECDHE-RSA-AES128-SHA"),
    "AES-CBC-SHA256": dict(kind="cbc", versions=("1.2",),
                           openssl="ECDHE-RSA-AES128-SHA256",
                           gnutls=("AES-128-CBC", "SHA256", "ECDHE-RSA"),
                           mbedtls="TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA256",
                           wolfssl="ECDHE-RSA-AES128-SHA256"),
    "AES-CBC-SHA384": dict(kind="cbc", versions=("1.2",),
                           openssl="ECDHE-RSA-AES256-SHA384",
                           gnutls=("AES-256-CBC", "SHA384", "ECDHE-RSA"),
                           mbedtls="TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA384",
                           wolfssl="ECDHE-RSA-AES256-SHA384"),
    "AES-GCM": dict(kind="aead", versions=("1.2", "1.3"),
                    openssl={"1.2": "ECDHE-RSA-AES128-GCM-SHA256", "1.3": "TLS_AES_128_GCM_SHA256"},
                    gnutls=("AES-128-GCM", "AEAD", "ECDHE-RSA"),
                    mbedtls="TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256",
                    wolfssl={"1.2": "ECDHE-RSA-AES128-GCM-SHA256", "1.3": "TLS13-AES128-GCM-SHA256"}),
    "AES-256-GCM": dict(kind="aead", versions=("1.3",),
                        openssl={"1.3": "TLS_AES_256_GCM_SHA384"},
                        gnutls=("AES-256-GCM", "AEAD", "ECDHE-RSA"),
                        mbedtls=None, wolfssl={"1.3": "TLS13-AES256-GCM-SHA384"}),
    "AES-CCM": dict(kind="aead", versions=("1.2", "1.3"),
                    openssl={"1.2": "AES128-CCM", "1.3": "TLS_AES_128_CCM_SHA256"},
                    gnutls=("AES-128-CCM", "AEAD", "RSA"),
                    mbedtls="TLS-RSA-WITH-AES-128-CCM",
                    wolfssl={"1.2": None, "1.3": "TLS13-AES128-CCM-SHA256"}),
    "AES-CCM_8": dict(kind="aead", versions=("1.2", "1.3"),
                      openssl={"1.2": "AES128-CCM8", "1.3": "TLS_AES_128_CCM_8_SHA256"},
                      gnutls=("AES-128-CCM-8", "AEAD", "RSA"),
                      mbedtls="TLS-RSA-WITH-AES-128-CCM-8",
                      wolfssl={"1.2": None, "1.3": "TLS13-AES128-CCM-8-SHA256"}),
    "CHACHA20-POLY1305": dict(kind="aead", versions=("1.2", "1.3"),
                              openssl={"1.2": "ECDHE-RSA-CHACHA20-POLY1305",
                                       "1.3": "TLS_CHACHA20_POLY1305_SHA256"},
                              gnutls=("CHACHA20-POLY1305", "AEAD", "ECDHE-RSA"),
                              mbedtls="TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256",
                              wolfssl={"1.2": "ECDHE-RSA-CHACHA20-POLY1305",
                                       "1.3": "TLS13-CHACHA20-POLY1305-SHA256"}),
}

VERSIONS = {  # what each library here speaks
    "openssl": ("1.0", "1.1", "1.2", "1.3"),
    "gnutls": ("1.0", "1.1", "1.2", "1.3"),
    "mbedtls": ("1.0", "1.1", "1.2"),       # 2.28: no TLS 1.3
    "wolfssl": ("1.1", "1.2", "1.3"),       # Debian build: no TLS 1.0
    # application peers: the matrix runs them with TLS 1.2 and 1.3 only
    "python": ("1.2", "1.3"), "python+timeout": ("1.2", "1.3"), "curl": ("1.2", "1.3"),
    "java": ("1.2", "1.3"),
    "nginx": ("1.2", "1.3"), "haproxy": ("1.2", "1.3"),
}
# Application peers linked with Debian's OpenSSL 3 take its suite names.
OSSL_NAMES = ("python", "python+timeout", "curl", "nginx", "haproxy")
APPS = ("python", "python+timeout", "curl", "java", "nginx", "haproxy")
# JSSE (OpenJDK 17) suite names, IANA; absent: JSSE has no such suite.
JAVA = {"AES-CBC-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "AES-CBC-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "AES-CBC-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        "AES-GCM": {"1.2": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "1.3": "TLS_AES_128_GCM_SHA256"},
        "AES-256-GCM": {"1.3": "TLS_AES_256_GCM_SHA384"},
        "CHACHA20-POLY1305": {"1.2": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                              "1.3": "TLS_CHACHA20_POLY1305_SHA256"}}
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"   # Debian's


def suite_name(lib, suite, version):
    s = SUITES[suite]["openssl" if lib in OSSL_NAMES else lib] if lib != "java" \
        else JAVA.get(suite)
    per_version = isinstance(s, dict)
    if per_version:
        s = s.get(version)
    if s is None:
        raise NA("%s (Debian build) has no %s%s" % (
            lib, suite, " in TLS " + version if per_version else ""))
    return s


def check(lib, suite, version, trunc=False):
    if trunc and lib != "mbedtls":
        raise NA("%s: the matrix offers truncated_hmac only with mbedtls_peer" % lib)
    if trunc and SUITES[suite]["kind"] != "cbc":
        raise NA("truncated_hmac applies to HMAC suites (CBC) only")
    if version not in VERSIONS[lib]:
        raise NA("%s here has no TLS %s" % (lib, version))
    if version not in SUITES[suite]["versions"]:
        raise NA("%s does not exist in TLS %s" % (suite, version))
    suite_name(lib, suite, version)
    missing = {"nginx": "nginx", "haproxy": "haproxy", "curl": "curl", "java": "java"}.get(lib)
    if missing and not shutil.which(missing):
        raise NA("%s is not installed (sh scripts/install-deps.sh test)" % missing)
    if lib == "java" and not os.path.exists(os.path.join(PEERS, "JsseClient.class")):
        raise NA("tests/peers/out/JsseClient.class not built (javac missing?)")


def _ossl_version(v):
    return {"1.0": "-tls1", "1.1": "-tls1_1", "1.2": "-tls1_2", "1.3": "-tls1_3"}[v]


def _ossl_suite(suite, v):
    s = suite_name("openssl", suite, v)
    if v == "1.3":
        return ["-ciphersuites", s]
    return ["-cipher", s + ":@SECLEVEL=0"]


def _gnutls_prio(suite, v, etm):
    """The priority string.  No %COMPAT: it sets no_etm (and
    no_ext_master_secret), so GnuTLS would neither offer nor accept
    encrypt_then_mac.  Without it a client offers EtM when a CBC cipher is
    enabled and a server accepts it for CBC suites; %NO_ETM (the -EtM rows)
    turns both off."""
    cipher, mac, kx = SUITES[suite]["gnutls"]
    p = "NONE:+VERS-TLS%s:+%s:+%s:+%s:+COMP-NULL:+SIGN-ALL:+GROUP-ALL" % (v, cipher, mac, kx)
    if etm is False:
        p += ":%NO_ETM"
    return p


def server(lib, cell, keylog):
    """argv, env, cwd for the server of a cell.  keylog: file or None."""
    v, suite, port = cell["version"], cell["suite"], cell["server_port"]
    env = dict(os.environ)
    chain = os.path.join(PKI, "server-chain.crt")
    key = os.path.join(PKI, "server.key")
    if lib == "openssl":
        a = ["openssl", "s_server", "-accept", str(port), "-naccept", "1", "-WWW",
             "-cert", os.path.join(PKI, "server.crt"), "-key", key,
             "-cert_chain", os.path.join(PKI, "ca.crt"),
             _ossl_version(v)] + _ossl_suite(suite, v)
        if keylog:
            a += ["-keylogfile", keylog]
        return a, env, cell["www"]
    if lib == "gnutls":
        a = ["gnutls-serv", "-a", "-p", str(port), "--priority", _gnutls_prio(suite, v, None),
             "--x509certfile", chain, "--x509keyfile", key,
             "--http", "--httpdata", os.path.join(cell["www"], cell["page"])]
        if keylog:
            env["SSLKEYLOGFILE"] = keylog
        return a, env, None
    if lib in ("mbedtls", "wolfssl"):
        a = [os.path.join(PEERS, lib + "_peer"), "server", "--port", str(port),
             "--version", v, "--suite", suite_name(lib, suite, v),
             "--cert", chain, "--key", key, "--send", str(cell["size"])]
        if cell.get("server_fault"):
            a += ["--fault", cell["server_fault"]]
        if cell.get("trunc"):
            a.append("--trunc-hmac")
        if keylog:
            a += ["--keylog", keylog]
        return a, env, None
    if lib == "python":
        a = [PY, os.path.join(TOP, "tests", "peers", "py_peer.py"), "server", "--port", str(port),
             "--version", v, "--cert", chain, "--key", key, "--timeout", "20",
             "--file", os.path.join(cell["www"], cell["page"])]
        if v != "1.3":
            a += ["--cipher", suite_name(lib, suite, v)]
        else:
            env["OPENSSL_CONF"] = _ossl_conf(cell["dir"], suite_name(lib, suite, v))
        if keylog:
            a += ["--keylog", keylog]
        return a, env, None
    if keylog:
        raise NA("%s writes no key log" % lib)
    if lib == "nginx":
        return ["nginx", "-e", os.path.join(cell["dir"], "server.err"), "-c",
                _nginx_conf(cell, chain, key)], env, None
    if lib == "haproxy":
        return ["haproxy", "-db", "-f", _haproxy_conf(cell, chain, key)], env, None
    raise NA("unknown library " + lib)


def _protocols(v, style):
    """The one protocol version a server config allows."""
    return {"nginx": "TLSv" + v, "haproxy": "ssl-min-ver TLSv%s ssl-max-ver TLSv%s" % (v, v)}[style]


def _nginx_conf(cell, chain, key):
    """nginx.conf for one cell, in the cell's directory: one process in the
    foreground (killed after the cell), TLS on a loopback port, the static
    page (16 KB records: ssl_buffer_size's default), logs in the cell."""
    d, v = cell["dir"], cell["version"]
    tmp = os.path.join(d, "nginx-tmp")
    os.makedirs(tmp, exist_ok=True)
    name = suite_name("nginx", cell["suite"], v)
    suites = ("ssl_conf_command Ciphersuites %s;" % name) if v == "1.3" else \
        ("ssl_ciphers %s:@SECLEVEL=0;" % name)
    conf = """daemon off;
master_process off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/server.err info;
events { worker_connections 16; }
http {
    access_log %(d)s/access.log;
    client_body_temp_path %(tmp)s; proxy_temp_path %(tmp)s; fastcgi_temp_path %(tmp)s;
    uwsgi_temp_path %(tmp)s; scgi_temp_path %(tmp)s;
    default_type text/html;
    server {
        listen 127.0.0.1:%(port)d ssl;
        ssl_certificate %(chain)s;
        ssl_certificate_key %(key)s;
        ssl_protocols %(proto)s;
        %(suites)s
        root %(www)s;
    }
}
""" % dict(d=d, tmp=tmp, port=cell["server_port"], chain=chain, key=key,
           proto=_protocols(v, "nginx"), suites=suites, www=cell["www"])
    path = os.path.join(d, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def _haproxy_conf(cell, chain, key):
    """haproxy.cfg for one cell: a TLS-terminating frontend that answers
    every request itself (http-request return of the static page; bufsize
    raised so the page fits), logs to stderr (server.err)."""
    d, v = cell["dir"], cell["version"]
    pem = os.path.join(d, "haproxy.pem")
    with open(pem, "w") as f:
        for src in (chain, key):
            with open(src) as g:
                f.write(g.read())
    name = suite_name("haproxy", cell["suite"], v)
    suites = ("ciphersuites " + name) if v == "1.3" else ("ciphers %s:@SECLEVEL=0" % name)
    conf = """global
    log stderr format short local0 info
    tune.bufsize 131072
defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 20s
    timeout server 20s
frontend fe
    bind 127.0.0.1:%(port)d ssl crt %(pem)s %(proto)s %(suites)s
    http-request return status 200 content-type text/html file %(page)s
""" % dict(port=cell["server_port"], pem=pem, proto=_protocols(v, "haproxy"), suites=suites,
           page=os.path.join(cell["www"], cell["page"]))
    path = os.path.join(d, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(conf)
    return path


def _ossl_conf(d, suites):
    """An OpenSSL config (for OPENSSL_CONF) whose system_default section
    allows only SUITES in TLS 1.3: how a Python program picks them."""
    path = os.path.join(d, "openssl-tls13.cnf")
    with open(path, "w") as f:
        f.write("openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
                "[ssl_sect]\nsystem_default = system_default_sect\n"
                "[system_default_sect]\nCiphersuites = %s\n" % suites)
    return path


def client(lib, cell, keylog):
    """argv, env, stdin bytes (or None) for the client of a cell.  With
    cell["insecure"] (interception) the client verifies no certificate."""
    v, suite, port = cell["version"], cell["suite"], cell["relay_port"]
    etm, mfl = cell.get("etm"), cell.get("mfl")
    env = dict(os.environ)
    ca = None if cell.get("insecure") else os.path.join(PKI, "ca.crt")
    req = ("GET /%s HTTP/1.0\r\n\r\n" % cell["page"]).encode()
    if lib == "openssl":
        a = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-quiet",
             "-servername", "server.badmac.test", _ossl_version(v)] + _ossl_suite(suite, v)
        if ca:   # s_client goes on after a failed verification either way
            a += ["-CAfile", ca]
        if etm is False:
            a.append("-no_etm")
        if mfl:
            a += ["-maxfraglen", str(mfl)]
        if keylog:
            a += ["-keylogfile", keylog]
        return a, env, req
    if lib == "gnutls":
        if mfl:
            raise NA("gnutls-cli cannot offer max_fragment_length (only record_size_limit)")
        a = ["gnutls-cli", "-p", str(port), "--sni-hostname", "server.badmac.test",
             "--priority", _gnutls_prio(suite, v, etm)]
        a += ["--x509cafile", ca, "--verify-hostname", "server.badmac.test"] if ca else ["--insecure"]
        a.append("127.0.0.1")
        if keylog:
            env["SSLKEYLOGFILE"] = keylog
        return a, env, req
    if lib in ("mbedtls", "wolfssl"):
        a = [os.path.join(PEERS, lib + "_peer"), "client", "--port", str(port),
             "--version", v, "--suite", suite_name(lib, suite, v), "--path", "/" + cell["page"]]
        if ca:   # without --ca the peers verify nothing
            a += ["--ca", ca]
        if cell.get("trunc"):
            a.append("--trunc-hmac")
        if etm is not None:
            a += ["--etm", "on" if etm else "off"]
        if mfl:
            a += ["--mfl", str(mfl)]
        if keylog:
            a += ["--keylog", keylog]
        return a, env, None
    if lib in ("python", "python+timeout"):
        # python: a blocking socket; python+timeout: socket.create_connection
        # with a timeout (the ssl module then runs the socket non-blocking,
        # and on a bad record OpenSSL's alert is not sent: docs/interop.md)
        a = [PY, os.path.join(TOP, "tests", "peers", "py_peer.py"), "client", "--port", str(port),
             "--timeout", "30" if lib == "python+timeout" else "0",
             "--version", v, "--path", "/" + cell["page"]]
        if v != "1.3":
            a += ["--cipher", suite_name(lib, suite, v)]
        else:   # the ssl module has no call for TLS 1.3 suites: OpenSSL's config does
            env["OPENSSL_CONF"] = _ossl_conf(cell["dir"], suite_name(lib, suite, v))
        if ca:
            a += ["--ca", ca]
        if keylog:
            a += ["--keylog", keylog]
        return a, env, None
    if lib == "curl":
        url = "https://server.badmac.test:%d/%s" % (port, cell["page"])
        a = ["curl", "-sS", "-o", "/dev/null", "-w", "result: http %{http_code}, %{size_download} bytes\n",
             "--resolve", "server.badmac.test:%d:127.0.0.1" % port, "--max-time", "20",
             "--tlsv" + v, "--tls-max", v]
        a += ["--tls13-ciphers", suite_name(lib, suite, v)] if v == "1.3" else \
            ["--ciphers", suite_name(lib, suite, v)]
        a += ["--cacert", ca] if ca else ["-k"]
        if keylog:
            env["SSLKEYLOGFILE"] = keylog
        return a + [url], env, None
    if lib == "java":
        if keylog:
            raise NA("JSSE writes no NSS key log")
        # the debug log (stderr, client.err) is what badmac's JSSE importer reads
        a = ["java", "-Djavax.net.debug=ssl:handshake:keygen", "-cp", PEERS, "JsseClient",
             "127.0.0.1", str(port), "TLSv" + v, suite_name(lib, suite, v), "/" + cell["page"]]
        if ca:
            a.append(ca)
        return a, env, None
    raise NA("unknown library " + lib)


_RESULT = re.compile(r"^result: (.*)$", re.M)
_OSSL_RX = re.compile(r"(?:tlsv1|sslv3|tlsv13) alert ([a-z ]+?)(?::|$|\n)", re.I)
_GNUTLS_RX = re.compile(r"Received alert \[\d+\]: ([^\n]+)")


_CURL_RX = re.compile(r"^curl: \((\d+)\) (.*)$", re.M)
# nginx error log at level info / HAProxy's log: what the server saw
_NGINX_RX = re.compile(r"\[(?:info|error|crit|alert)\] [^\n]*?((?:SSL_\w+\(\) failed|peer closed|"
                       r"client prematurely|recv\(\) failed|upstream|client timed out)[^\n]*)")


def _server_log(lib, text, rc):
    """nginx/HAProxy: the alert they received, else the first connection-level
    complaint of their log, else 'ok' (they do not exit: rc is our SIGTERM)."""
    m = _OSSL_RX.search(text)
    if m:
        return "alert %s received" % _words(m.group(1))
    if lib == "nginx":
        m = _NGINX_RX.search(text)
        if m:
            return "log: " + re.sub(r",? client: .*", "", m.group(1)).strip()[:160]
    if lib == "haproxy":
        for line in text.splitlines():
            if "SSL" in line or " CD " in line or " cD " in line or "--" in line.split('"')[0][-8:]:
                return "log: " + line.strip()[-160:]
    return "ok"


def _words(s):
    return s.strip().lower().replace(" ", "_")


def result_line(lib, rc, out, err):
    """The peer's outcome as one 'result: ...' text, whatever the tool."""
    if lib == "curl":
        m = _CURL_RX.search(err)
        if m:
            return "error (%s) %s" % (m.group(1), m.group(2).strip())
    m = _RESULT.search(out)
    if m:
        return m.group(1).strip()
    text = out + "\n" + err
    if lib in ("nginx", "haproxy"):
        return _server_log(lib, text, rc)
    if lib == "openssl":
        m = _OSSL_RX.search(text)
        if m:
            return "alert %s received" % _words(m.group(1))
        if "bad record mac" in text or "decryption failed" in text:
            return "alert bad_record_mac sent"
        if "record overflow" in text or "record_overflow" in text or "too long" in text:
            return "alert record_overflow sent"
    if lib == "gnutls":
        m = _GNUTLS_RX.search(text)
        if m:
            return "alert %s received" % _words(m.group(1)).replace("bad_record_mac", "bad_record_mac")
        if "Decryption has failed" in text or "MAC verification failed" in text:
            return "error decryption failed (bad_record_mac)"
        if "Fatal error" in text:
            return "error " + text[text.index("Fatal error"):].split("\n")[0]
    if rc == 0:
        return "ok"
    return "error exit %s" % rc
