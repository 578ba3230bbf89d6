#!/usr/bin/env python3
"""Writes the hostile HTTP corpus: one file per request under corpus/.

Usage: tests/hostile/generate_corpus.py [OUT_DIR]
       (rewrites OUT_DIR, by default tests/hostile/corpus/)

The corpus is data: the files are committed, and hostile_http_test reads
them, never this script. Re-run it after editing a case below; the file
format is described in tests/hostile/README.md.
"""
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

CRLF = "\r\n"


def escape(data):
    """The case-file escaping of `data` (str of code points < 256)."""
    out = []
    for ch in data:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            # A file line ends after each \n, for people who read the case.
            out.append("\\n\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code >= 0x7f:
            out.append("\\x%02x" % code)
        else:
            out.append(ch)
    return "".join(out)


def b(text):
    """UTF-8 bytes of `text` as a str of code points < 256."""
    return text.encode("utf-8").decode("latin-1")


class Corpus:
    def __init__(self):
        self.counts = {}
        self.files = []

    def add(self, category, name, request, expect="4xx", mode="send",
            note="", readback=None, fields=()):
        """One case. `request` is a str of code points < 256 (raw bytes) in
        which the markers {{token}} (the writer's bearer token) and
        {{repeat N}}...{{/repeat}} may appear."""
        number = self.counts.get(category, 0) + 1
        self.counts[category] = number
        lines = [f"# {note or name}", f"expect: {expect}"]
        if mode != "send":
            lines.append(f"mode: {mode}")
        if readback:
            lines.append(f"readback: {readback}")
        for field, value in fields:
            lines.append(f"field: {field}={escape(b(value))}")
        lines.append("---")
        text = "\n".join(lines) + "\n" + escape(request)
        if not text.endswith("\n"):
            text += "\n"
        path = os.path.join(CORPUS, category, f"{number:03d}-{name}.case")
        self.files.append((path, text))

    def write(self, out):
        if os.path.isdir(out):
            shutil.rmtree(out)
        for path, text in self.files:
            path = os.path.join(out, os.path.relpath(path, CORPUS))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="ascii", newline="\n") as f:
                f.write(text)


AUTH = "Authorization: Bearer {{token}}\r\n"

REPEAT = re.compile(r"\{\{repeat (\d+)\}\}(.*?)\{\{/repeat\}\}", re.S)


def rep(n, s):
    """`s` n times, written as a repeat marker so that the file stays small."""
    return "{{repeat %d}}%s{{/repeat}}" % (n, s)


def expand(text):
    """`text` with its repeat markers expanded (the driver does the same)."""
    return REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), text)


def req(head, headers="", body=None, auth=True, close=True,
        content_type=True):
    """A request: `head` is the request line; `headers` more header lines
    (each ending in CRLF)."""
    text = head + CRLF + "Host: 127.0.0.1" + CRLF
    if auth:
        text += AUTH
    if close:
        text += "Connection: close" + CRLF
    text += headers
    if body is not None:
        if content_type:
            text += "Content-Type: application/json" + CRLF
        text += f"Content-Length: {len(expand(body))}" + CRLF
    text += CRLF
    if body is not None:
        text += body
    return text


def both(corpus, category, name, make, **kwargs):
    """The case with the writer's token and without any (then the answer is
    401 before any parsing of the body, which is what is tested there)."""
    corpus.add(category, name + "-auth", make(True), **kwargs)
    no_auth = dict(kwargs)
    if no_auth.get("expect") == "stored":
        no_auth["expect"] = "4xx"
        no_auth.pop("readback", None)
        no_auth.pop("fields", None)
    corpus.add(category, name + "-noauth", make(False), **no_auth)


def request_lines(c):
    cat = "request_line"
    raw = [
        ("empty-line-only", CRLF + CRLF),
        ("no-version", "GET /v1/configurations" + CRLF + CRLF),
        ("http-0.9", "GET /v1/configurations" + CRLF),
        ("version-2", "GET /v1/configurations HTTP/2.0" + CRLF + CRLF),
        ("version-1.2", "GET /v1/configurations HTTP/1.2" + CRLF + CRLF),
        ("version-9.9", "GET /v1/configurations HTTP/9.9" + CRLF + CRLF),
        ("version-lowercase", "GET /v1/configurations http/1.1" + CRLF + CRLF),
        ("version-junk", "GET /v1/configurations HTTP/1.1x" + CRLF + CRLF),
        ("version-missing-minor", "GET /v1/configurations HTTP/1." + CRLF + CRLF),
        ("two-spaces", "GET  /v1/configurations HTTP/1.1" + CRLF + CRLF),
        ("tab-separator", "GET\t/v1/configurations\tHTTP/1.1" + CRLF + CRLF),
        ("leading-space", " GET /v1/configurations HTTP/1.1" + CRLF + CRLF),
        ("trailing-space", "GET /v1/configurations HTTP/1.1 " + CRLF + CRLF),
        ("missing-target", "GET HTTP/1.1" + CRLF + CRLF),
        ("empty-method", " /v1/configurations HTTP/1.1" + CRLF + CRLF),
        ("nul-in-method", "G\x00T /v1/configurations HTTP/1.1" + CRLF + CRLF),
        ("nul-in-target", "GET /v1/config\x00urations HTTP/1.1" + CRLF + CRLF),
        ("ctl-in-target", "GET /v1/config\x01urations HTTP/1.1" + CRLF + CRLF),
        ("del-in-target", "GET /v1/config\x7furations HTTP/1.1" + CRLF + CRLF),
        ("high-byte-target", "GET /v1/config\xffurations HTTP/1.1" + CRLF + CRLF),
        ("space-in-target", "GET /v1/config urations HTTP/1.1" + CRLF + CRLF),
        ("binary-garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00" * 40),
        ("tls-client-hello", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + "\xaa" * 32 + CRLF + CRLF),
        ("bare-cr", "GET /healthz HTTP/1.1\rHost: x\r\r"),
        ("lf-then-cr", "GET /healthz HTTP/1.1\n\rHost: x\n\r\n\r"),
        ("overlong-method", rep(10000, "G") + " /healthz HTTP/1.1" + CRLF + CRLF),
        ("overlong-target", "GET /v1/configurations/" + rep(20000, "a") + " HTTP/1.1" + CRLF + CRLF),
        ("overlong-version", "GET /healthz HTTP/1.1" + rep(5000, "1") + CRLF + CRLF),
        ("method-with-slash", "GE/T /v1/configurations HTTP/1.1" + CRLF + "Host: x" + CRLF + CRLF),
        ("method-with-colon", "GET: /v1/configurations HTTP/1.1" + CRLF + "Host: x" + CRLF + CRLF),
        ("header-before-request-line", "Host: x" + CRLF + "GET /healthz HTTP/1.1" + CRLF + CRLF),
        ("no-crlf-at-all", "GET /healthz HTTP/1.1"),
    ]
    for name, text in raw:
        c.add(cat, name, text, expect="4xx-or-close")
    # Well-formed lines that the gateway must still refuse.
    for name, head in [
        ("unknown-method", "BREW /v1/configurations HTTP/1.1"),
        ("lowercase-method", "get /v1/configurations HTTP/1.1"),
        ("connect-method", "CONNECT 127.0.0.1:22 HTTP/1.1"),
        ("trace-method", "TRACE /v1/configurations HTTP/1.1"),
        ("asterisk-form", "OPTIONS * HTTP/1.1"),
        ("absolute-form-other-host", "GET http://evil.example/v1/configurations HTTP/1.1"),
        ("authority-form", "GET 127.0.0.1:80 HTTP/1.1"),
        ("no-leading-slash", "GET v1/configurations HTTP/1.1"),
        ("unknown-route", "GET /v2/configurations HTTP/1.1"),
        ("fragment-in-target", "GET /v1/configurations/x#frag HTTP/1.1"),
    ]:
        both(c, cat, name, lambda auth, head=head: req(head, auth=auth),
             expect="4xx-or-close")


def cl_te(c):
    cat = "content_length_transfer_encoding"
    body = '{"value":"x"}'
    target = "PATCH /v1/configurations/hostile-clte HTTP/1.1"
    chunked = f"{len(body):x}" + CRLF + body + CRLF + "0" + CRLF + CRLF
    base = "Host: 127.0.0.1" + CRLF + AUTH + "Content-Type: application/json" + CRLF
    cases = [
        ("cl-and-te-chunked", f"Content-Length: {len(chunked)}\r\nTransfer-Encoding: chunked\r\n", chunked),
        ("te-chunked-and-cl", f"Transfer-Encoding: chunked\r\nContent-Length: {len(chunked)}\r\n", chunked),
        ("cl-and-te-identity", f"Content-Length: {len(body)}\r\nTransfer-Encoding: identity\r\n", body),
        ("two-different-cl", f"Content-Length: {len(body)}\r\nContent-Length: 3\r\n", body),
        ("cl-list", f"Content-Length: {len(body)}, 3\r\n", body),
        ("cl-negative", "Content-Length: -1\r\n", body),
        ("cl-plus-sign", f"Content-Length: +{len(body)}\r\n", body),
        ("cl-hex", "Content-Length: 0x0d\r\n", body),
        ("cl-space-inside", "Content-Length: 1 3\r\n", body),
        ("cl-overflow-2-64", "Content-Length: 18446744073709551616\r\n", body),
        ("cl-overflow-2-63", "Content-Length: 9223372036854775808\r\n", body),
        ("cl-huge-digits", "Content-Length: " + "9" * 100 + "\r\n", body),
        ("cl-empty", "Content-Length: \r\n", body),
        ("cl-letters", "Content-Length: ten\r\n", body),
        ("cl-larger-than-body", "Content-Length: 500\r\n", body),
        ("cl-over-body-limit", "Content-Length: 104857600\r\n", body),
        ("te-gzip", "Transfer-Encoding: gzip\r\n", body),
        ("te-unknown", "Transfer-Encoding: bogus\r\n", body),
        ("te-chunked-twice-one-line", "Transfer-Encoding: chunked, chunked\r\n", chunked),
        ("te-chunked-not-last", "Transfer-Encoding: chunked, identity\r\n", chunked),
        ("te-empty", "Transfer-Encoding: \r\n", body),
    ]
    for name, headers, payload in cases:
        c.add(cat, name, target + CRLF + base + "Connection: close\r\n" + headers + CRLF + payload,
              expect="4xx-or-close")
    # HTTP/1.0 with chunked: not defined for 1.0.
    c.add(cat, "te-chunked-http-1.0",
          "PATCH /v1/configurations/hostile-clte HTTP/1.0" + CRLF + base +
          "Transfer-Encoding: chunked\r\n" + CRLF + chunked, expect="4xx-or-close")


# The request a smuggling case hides after its first one: were it ever
# answered, its 200 would fail the case.
SMUGGLED = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def smuggling(c):
    cat = "smuggling"
    head = "POST /v1/threadContexts:purgeExpired HTTP/1.1" + CRLF + "Host: 127.0.0.1" + CRLF + AUTH
    # CL.TE: a front end that honours Content-Length sends all of it; a
    # back end that honours chunked sees "0" and then SMUGGLED.
    clte_body = "0" + CRLF + CRLF + SMUGGLED
    c.add(cat, "cl-te-classic", head + f"Content-Length: {len(clte_body)}\r\nTransfer-Encoding: chunked\r\n" + CRLF + clte_body,
          expect="4xx-or-close")
    # TE.CL: chunk holds SMUGGLED; CL says 4.
    chunk = f"{len(SMUGGLED):x}" + CRLF + SMUGGLED + CRLF + "0" + CRLF + CRLF
    c.add(cat, "te-cl-classic", head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n" + CRLF + chunk,
          expect="4xx-or-close")
    # TE.TE: obfuscated Transfer-Encoding that one parser ignores.
    obfuscations = [
        ("space-before-colon", "Transfer-Encoding : chunked"),
        ("tab-before-value", "Transfer-Encoding:\tchunked"),
        ("xchunked", "Transfer-Encoding: xchunked"),
        ("chunked-x", "Transfer-Encoding: chunked-x"),
        ("quoted", 'Transfer-Encoding: "chunked"'),
        ("uppercase-value", "Transfer-Encoding: CHUNKED"),
        ("mixed-case-name", "TrAnSfEr-EnCoDiNg: chunked"),
        ("leading-space-obs-fold", "X-Pad: a\r\n Transfer-Encoding: chunked"),
        ("obs-fold-value", "Transfer-Encoding:\r\n chunked"),
        ("second-te-header", "Transfer-Encoding: chunked\r\nTransfer-Encoding: x"),
        ("te-then-identity", "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked"),
        ("vertical-tab", "Transfer-Encoding:\x0bchunked"),
        ("form-feed", "Transfer-Encoding:\x0cchunked"),
        ("nul-in-value", "Transfer-Encoding: chunked\x00"),
        ("comma-list", "Transfer-Encoding: gzip, chunked"),
        ("underscore-name", "Transfer_Encoding: chunked"),
        ("trailing-junk", "Transfer-Encoding: chunked;q=1"),
    ]
    for name, te in obfuscations:
        c.add(cat, "te-te-" + name,
              head + f"Content-Length: {len(clte_body)}\r\n" + te + CRLF + CRLF + clte_body,
              expect="4xx-or-close")
    # Chunked bodies that lie.
    chunk_cases = [
        ("chunk-size-overflow", "FFFFFFFFFFFFFFFFF" + CRLF + "a" + CRLF + "0" + CRLF + CRLF),
        ("chunk-size-2-64", "10000000000000000" + CRLF + "a" + CRLF + "0" + CRLF + CRLF),
        ("chunk-size-negative", "-1" + CRLF + "a" + CRLF + "0" + CRLF + CRLF),
        ("chunk-size-not-hex", "zz" + CRLF + "a" + CRLF + "0" + CRLF + CRLF),
        ("chunk-size-huge-digits", rep(5000, "0") + "1" + CRLF + "a" + CRLF + "0" + CRLF + CRLF),
        ("chunk-size-space", "1 0" + CRLF + "a" * 16 + CRLF + "0" + CRLF + CRLF),
        ("chunk-data-longer", "2" + CRLF + "{}xx" + CRLF + "0" + CRLF + CRLF),
        ("chunk-missing-crlf", "2" + CRLF + "{}" + "0" + CRLF + CRLF),
        ("chunk-bare-lf", "2\n{}\n0\n\n"),
        ("chunk-ext-junk", "2;\x01\x02" + CRLF + "{}" + CRLF + "0" + CRLF + CRLF),
        ("chunk-ext-huge", "2;" + rep(5000, "a=b;") + CRLF + "{}" + CRLF + "0" + CRLF + CRLF),
        ("trailer-with-cl", "2" + CRLF + "{}" + CRLF + "0" + CRLF + "Content-Length: 50" + CRLF + CRLF),
        ("trailer-flood", "2" + CRLF + "{}" + CRLF + "0" + CRLF + rep(5000, "X: y\r\n") + CRLF),
        ("trailer-200k-bytes", "2" + CRLF + "{}" + CRLF + "0" + CRLF + "X: " + rep(200000, "y") + CRLF + CRLF),
        ("trailer-authorization", "2" + CRLF + "{}" + CRLF + "0" + CRLF + "Authorization: Bearer x" + CRLF + CRLF),
        ("trailer-second-host", "2" + CRLF + "{}" + CRLF + "0" + CRLF + "Host: evil.example" + CRLF + CRLF),
        ("chunk-size-line-200k", rep(200000, "0") + "2" + CRLF + "{}" + CRLF + "0" + CRLF + CRLF),
        ("no-last-chunk", "2" + CRLF + "{}" + CRLF),
    ]
    for name, payload in chunk_cases:
        c.add(cat, name, head + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n" + CRLF + payload,
              expect="4xx-or-close")
    # A complete request that closes its connection, followed by another:
    # the second must never be read.
    c.add(cat, "close-then-smuggled",
          head + "Connection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          "7\r\n{\"x\":1}\r\n0\r\n\r\n" + SMUGGLED, expect="4xx-or-close")
    c.add(cat, "duplicate-host", "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n" + AUTH +
          "Connection: close\r\n\r\n", expect="4xx-or-close")
    c.add(cat, "duplicate-authorization-same",
          "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + AUTH + "Connection: close\r\n\r\n",
          expect="4xx-or-close")
    # Bare LF and obs-fold in the head.
    c.add(cat, "bare-lf-head-with-smuggled",
          "GET /v1/configurations HTTP/1.1\nHost: 127.0.0.1\nContent-Length: " + str(len(SMUGGLED)) + "\n\n" + SMUGGLED,
          expect="4xx-or-close")
    c.add(cat, "bare-lf-in-header", head + "X-A: 1\nContent-Length: 0\r\n" + CRLF, expect="4xx-or-close")
    # RFC 9112 5.2 lets a server replace an obs-fold by spaces instead of
    # refusing it (Beast does): the unfolded request is then answered as
    # such, once. Documented in README.md.
    c.add(cat, "obs-fold-authorization", "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer\r\n {{token}}\r\nConnection: close\r\n\r\n",
          expect="normalised")
    c.add(cat, "obs-fold-content-length", head + "Content-Length:\r\n 0\r\n" + CRLF, expect="normalised")
    c.add(cat, "obs-fold-splits-token", "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer opsb_\r\n {{token}}\r\nConnection: close\r\n\r\n",
          expect="4xx")
    c.add(cat, "header-without-colon", head + "Content-Length 0\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "header-name-space", head + "Content Length: 0\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "cr-in-header-value", head + "X-A: a\rContent-Length: 40\r\n" + "Content-Length: 0\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "nul-in-header-name", head + "X-\x00A: 1\r\n" + CRLF, expect="4xx-or-close")
    # A GET with a body that holds a second request: answered once, then
    # the body is the body (never a request).
    c.add(cat, "get-with-body-smuggled",
          "GET /v1/configurations/hostile-nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH +
          f"Content-Length: {len(SMUGGLED)}\r\nConnection: close\r\n\r\n" + SMUGGLED,
          expect="4xx-or-close")
    # A coding list that does not end in chunked leaves the body's end
    # undefined: a reader taking the body as empty reads SMUGGLED as the
    # next request.
    for name, te in [("chunked-then-gzip", "chunked, gzip"), ("xchunked", "xchunked"),
                     ("identity", "identity"), ("gzip-then-chunked", "gzip, chunked")]:
        c.add(cat, "te-" + name + "-body-is-a-request",
              head + "Content-Type: application/json\r\nTransfer-Encoding: " + te + CRLF + CRLF + SMUGGLED,
              expect="4xx-or-close")
    # Credentials sent only as a trailer: never honoured.
    c.add(cat, "trailer-only-authorization",
          "POST /v1/threadContexts:purgeExpired HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\n{}\r\n0\r\n" + AUTH + CRLF,
          expect="4xx-or-close")


def header_floods(c):
    cat = "header_flood"
    head = "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for n in [1000, 5000, 20000]:
        c.add(cat, f"{n}-headers", head + "{{repeat %d}}X-Flood: a\r\n{{/repeat}}" % n + CRLF,
              expect="4xx-or-close")
    for n in [101, 1000, 5000]:
        c.add(cat, f"{n}-headers-with-auth", head + AUTH + "{{repeat %d}}X-Flood: a\r\n{{/repeat}}" % n + CRLF,
              expect="4xx-or-close")
    c.add(cat, "one-64k-value", head + "X-Big: {{repeat 65536}}a{{/repeat}}\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "one-1m-value", head + "X-Big: {{repeat 1048576}}a{{/repeat}}\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "64k-name", head + "{{repeat 65536}}X{{/repeat}}: a\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "huge-cookie", head + AUTH + "Cookie: {{repeat 100000}}c=1; {{/repeat}}\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "huge-authorization", head + "Authorization: Bearer {{repeat 200000}}A{{/repeat}}\r\n" + CRLF, expect="4xx-or-close")
    c.add(cat, "many-host-headers", head + "{{repeat 2000}}Host: 127.0.0.1\r\n{{/repeat}}" + CRLF, expect="4xx-or-close")
    c.add(cat, "many-authorization-headers", head + "{{repeat 2000}}Authorization: Bearer x\r\n{{/repeat}}" + CRLF, expect="4xx-or-close")
    c.add(cat, "many-request-id-headers", head + AUTH + "{{repeat 5000}}X-Request-Id: %n%s%x\r\n{{/repeat}}Connection: close\r\n" + CRLF,
          expect="4xx-or-close")
    c.add(cat, "huge-url", "GET /v1/configurations?pageToken={{repeat 200000}}A{{/repeat}} HTTP/1.1\r\nHost: x\r\n" + AUTH + CRLF,
          expect="4xx-or-close")


def slow_loris(c):
    cat = "slow_loris"
    # mode: trickle sends one byte at a time, 50 ms apart, and never
    # finishes the request; the gateway must close the connection by its
    # read timeout (the driver runs it with --read_timeout=2s).
    c.add(cat, "headers-byte-by-byte",
          "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "X-Slow: " + "a" * 400,
          expect="timeout-close", mode="trickle")
    c.add(cat, "endless-headers",
          "GET /healthz HTTP/1.1\r\n" + "X-A: b\r\n" * 200,
          expect="timeout-close", mode="trickle")
    c.add(cat, "request-line-byte-by-byte",
          "GET /v1/configurations/" + "a" * 400,
          expect="timeout-close", mode="trickle")
    c.add(cat, "body-byte-by-byte",
          "PATCH /v1/configurations/hostile-slow HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH +
          "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + '{"value":"' + "a" * 400,
          expect="timeout-close", mode="trickle")
    c.add(cat, "chunked-body-byte-by-byte",
          "PATCH /v1/configurations/hostile-slow HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH +
          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + "1\r\na\r\n" * 100,
          expect="timeout-close", mode="trickle")
    c.add(cat, "idle-after-connect", "", expect="timeout-close", mode="trickle")


def path_traversal(c):
    cat = "path_traversal"
    paths = [
        "/v1/configurations/../../../../etc/passwd",
        "/v1/configurations/..%2f..%2f..%2fetc%2fpasswd",
        "/v1/configurations/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/v1/configurations/%2e%2e",
        "/v1/configurations/%252e%252e%252fetc%252fpasswd",
        "/v1/configurations/..%252f..%252f",
        "/v1/configurations/%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
        "/v1/configurations/..\\..\\windows\\win.ini",
        "/v1/configurations/..%5c..%5cwindows",
        "/v1/configurations/%2fetc%2fpasswd",
        "/v1/configurations/.%00./etc/passwd",
        "/v1/../v1/configurations",
        "/v1/./configurations/./x",
        "//v1//configurations",
        "/v1/configurations/x/../../appSettings",
        "/v1/users/..%2fadmin/preferences/x",
        "/v1/users/../preferences/x",
        "/v1/threadContexts/..%2f..%2f",
        "/v1/businessGoals/%2e%2e%2f%2e%2e%2fconfigurations",
        "/v1/appSettings/....//....//etc",
        "/v1/configurations/%u002e%u002e",
        "/v1/configurations/%%32%65%%32%65",
        "/metrics/../v1/configurations",
        "/healthz/../v1/configurations",
        "/v1/configurations/file:%2f%2f%2fetc%2fpasswd",
    ]
    for i, path in enumerate(paths):
        # GETs of paths that name no record: 404 or 400, never a file.
        both(c, cat, f"get-{i:02d}", lambda auth, p=path: req(f"GET {p} HTTP/1.1", auth=auth),
             expect="4xx-or-close")
    for i, path in enumerate(paths[:8]):
        both(c, cat, f"delete-{i:02d}", lambda auth, p=path: req(f"DELETE {p} HTTP/1.1", auth=auth),
             expect="4xx-or-close")


def percent_encoding(c):
    cat = "percent_encoding"
    encodings = [
        ("lone-percent", "%"),
        ("percent-one-digit", "%4"),
        ("percent-not-hex", "%G0"),
        ("percent-nul", "%00"),
        ("overlong-slash-2", "%C0%AF"),
        ("overlong-slash-3", "%E0%80%AF"),
        ("overlong-slash-4", "%F0%80%80%AF"),
        ("overlong-dot", "%C0%AE"),
        ("overlong-nul", "%C0%80"),
        ("surrogate", "%ED%A0%80"),
        ("byte-ff", "%FF"),
        ("byte-fe", "%FE%FF"),
        ("truncated-2", "%C3"),
        ("truncated-3", "%E2%82"),
        ("five-byte-form", "%F8%88%80%80%80"),
        ("above-u10ffff", "%F4%90%80%80"),
        ("lone-continuation", "%80"),
    ]
    for name, enc in encodings:
        both(c, cat, "path-get-" + name,
             lambda auth, e=enc: req(f"GET /v1/configurations/k{e}k HTTP/1.1", auth=auth),
             expect="4xx-or-close")
        both(c, cat, "query-" + name,
             lambda auth, e=enc: req(f"GET /v1/auditEntries?tableName=t{e}t HTTP/1.1", auth=auth),
             expect="4xx-or-close")
    # A write whose path key is not UTF-8 once decoded.
    for name, enc in encodings[4:10]:
        c.add(cat, "path-patch-" + name,
              req(f"PATCH /v1/configurations/hostile{enc}?allowMissing=true HTTP/1.1", body='{"value":"v"}'),
              expect="4xx-or-close")
    c.add(cat, "page-token-overlong", req("GET /v1/configurations?pageToken=%C0%AF%C0%AF HTTP/1.1"),
          expect="4xx-or-close")
    c.add(cat, "page-token-garbage", req("GET /v1/configurations?pageToken=%00%01%02 HTTP/1.1"),
          expect="4xx-or-close")
    c.add(cat, "query-name-encoded", req("GET /v1/configurations?page%00Size=1 HTTP/1.1"),
          expect="4xx-or-close")
    c.add(cat, "query-name-overlong", req("GET /v1/configurations?%C0%AF=1 HTTP/1.1"),
          expect="4xx-or-close")


# One write route per record kind, and a JSON body for it with the string
# `s` (already JSON-escaped) in `field`.
def json_string(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def invalid_utf8_json(c):
    cat = "json_invalid_utf8"
    bad = [
        ("byte-ff", "\xff"),
        ("byte-c0", "\xc0"),
        ("overlong-slash", "\xc0\xaf"),
        ("overlong-nul", "\xc0\x80"),
        ("overlong-3", "\xe0\x80\xaf"),
        ("overlong-4", "\xf0\x80\x80\xaf"),
        ("surrogate-raw", "\xed\xa0\x80"),
        ("truncated", "\xe2\x82"),
        ("lone-continuation", "\x80"),
        ("above-u10ffff", "\xf4\x90\x80\x80"),
        ("five-byte", "\xf8\x88\x80\x80\x80"),
        ("escaped-lone-surrogate", "\\ud800"),
        ("escaped-low-surrogate", "\\udc00"),
        ("escaped-nul", "\\u0000"),
        ("raw-control", "\x01"),
    ]
    routes = [
        ("configuration", "PATCH /v1/configurations/hostile-u8?allowMissing=true HTTP/1.1", "value"),
        ("setting", "PATCH /v1/appSettings/hostile-u8?allowMissing=true HTTP/1.1", "description"),
        ("preference", "PATCH /v1/users/hostile-u8/preferences/k?allowMissing=true HTTP/1.1", "value"),
        ("goal", "PATCH /v1/businessGoals/hostile-u8?allowMissing=true HTTP/1.1", "title"),
        ("thread", "PATCH /v1/threadContexts/hostile-u8?allowMissing=true HTTP/1.1", "messages"),
        ("metric", "POST /v1/performanceMetrics HTTP/1.1", "unit"),
    ]
    for name, seq in bad:
        for kind, head, field in routes:
            value = '"a' + seq + 'b"'
            if field == "messages":
                value = "[" + value + "]"
            body = "{" + json_string(field) + ":" + value
            if kind == "goal":
                body += ',"area":"sales"'
            if kind == "metric":
                body += ',"name":"hostile-u8","value":1'
            body += "}"
            c.add(cat, f"{name}-{kind}", req(head, body=body), expect="4xx")
    # Invalid UTF-8 in an object key.
    c.add(cat, "key-byte-ff", req(routes[0][1], body='{"val\xffue":"x"}'), expect="4xx")
    c.add(cat, "key-overlong", req(routes[0][1], body='{"\xc0\xafvalue":"x"}'), expect="4xx")
    c.add(cat, "key-raw-control", req(routes[0][1], body='{"val\x01ue":"x"}'), expect="4xx")
    c.add(cat, "key-escaped-nul", req(routes[0][1], body='{"value\\u0000":"x"}'), expect="4xx")


def nesting(c):
    cat = "json_nesting"
    cfg = "PATCH /v1/configurations/hostile-nest?allowMissing=true HTTP/1.1"
    goal = "PATCH /v1/businessGoals/hostile-nest?allowMissing=true HTTP/1.1"
    metric = "POST /v1/performanceMetrics HTTP/1.1"
    for depth in [1000, 100000]:
        c.add(cat, f"arrays-{depth}", req(cfg, body=rep(depth, "[") + rep(depth, "]")), expect="4xx")
        c.add(cat, f"objects-{depth}", req(cfg, body=rep(depth, '{"a":') + "1" + rep(depth, "}")), expect="4xx")
        c.add(cat, f"unclosed-{depth}", req(cfg, body=rep(depth, "[")), expect="4xx")
    for depth in [200, 1000, 50000]:
        nested = rep(depth, '{"a":') + '"x"' + rep(depth, "}")
        c.add(cat, f"success-metrics-{depth}",
              req(goal, body='{"area":"sales","successMetrics":' + nested + "}"), expect="4xx")
        c.add(cat, f"additional-data-{depth}",
              req(metric, body='{"name":"hostile-nest","value":1,"additionalData":' + nested + "}"),
              expect="4xx")
        c.add(cat, f"value-array-{depth}",
              req(cfg, body='{"value":' + rep(depth, "[") + rep(depth, "]") + "}"), expect="4xx")
    c.add(cat, "batch-nested",
          req("POST /v1/performanceMetrics:batchCreate HTTP/1.1",
              body='{"performanceMetrics":[' + rep(5000, '{"additionalData":') + "{}" + rep(5000, "}") + "]}"),
          expect="4xx")


def numbers(c):
    cat = "huge_numbers"
    goal = "PATCH /v1/businessGoals/hostile-num?allowMissing=true HTTP/1.1"
    metric = "POST /v1/performanceMetrics HTTP/1.1"
    ints = [
        ("1e400", "1e400"), ("neg-1e400", "-1e400"), ("2-31", "2147483648"),
        ("neg-2-31-minus-1", "-2147483649"), ("2-63", "9223372036854775808"),
        ("2-64", "18446744073709551616"), ("1000-digits", rep(1000, "9")),
        ("fraction", "1.5"), ("exponent-fraction", "2.5e0"), ("nan-bare", "NaN"),
        ("infinity-bare", "Infinity"), ("nan-string", '"NaN"'),
        ("hex", "0x10"), ("leading-zero", "007"), ("plus", "+1"),
("huge-string", '"99999999999999999999"'),
        ("bool", "true"), ("neg-5", "-5"),
    ]
    for name, number in ints:
        c.add(cat, f"priority-{name}", req(goal, body='{"area":"sales","priority":' + number + "}"),
              expect="4xx")
    for name, number in [("year-2-64", "18446744073709551616"), ("month-1e400", "1e400"),
                         ("day-neg", "-1"), ("year-neg-zero-frac", "-0.5")]:
        field = name.split("-")[0]
        c.add(cat, f"target-date-{name}",
              req(goal, body='{"area":"sales","targetDate":{"' + field + '":' + number + "}}"),
              expect="4xx")
    for name, number in [("1e400", "1e400"), ("neg-1e400", "-1e400"), ("nan-string", '"NaN"'),
                         ("infinity-string", '"Infinity"'), ("neg-infinity-string", '"-Infinity"'),
                         ("1000-digits", "1" * 400 + "." + "1" * 600), ("bare-nan", "NaN"),
                         ("dot-only", "."), ("exp-only", "e5"), ("double-minus", "--1")]:
        c.add(cat, f"metric-value-{name}",
              req(metric, body='{"name":"hostile-num","value":' + number + "}"), expect="4xx")
    for name, number in [("page-size-2-64", "18446744073709551616"), ("page-size-1e400", "1e400"),
                         ("page-size-negative", "-1"), ("page-size-fraction", "1.5"),
                         ("page-size-2-31", "2147483648"), ("page-size-text", "ten")]:
        c.add(cat, f"query-{name}", req(f"GET /v1/configurations?pageSize={number} HTTP/1.1"),
              expect="4xx")
    # -0 is a finite number: a metric value of -0 is data, stored as such.
    c.add(cat, "metric-value-neg-zero",
          req(metric, body='{"name":"hostile-neg-zero","value":-0}'),
          expect="stored", readback="/v1/performanceMetrics?name=hostile-neg-zero",
          fields=[("name", "hostile-neg-zero")])
    # -0 (written -0.0e0) in an int32 is 0: priority 0 means the default, 2.
    c.add(cat, "priority-neg-zero",
          req("PATCH /v1/businessGoals/hostile-num-neg-zero?allowMissing=true HTTP/1.1",
              body='{"area":"sales","priority":-0.0e0}'),
          expect="stored", readback="/v1/businessGoals/hostile-num-neg-zero",
          fields=[("priority", "2")])
    c.add(cat, "goal-progress-neg-zero-noauth",
          req(goal, body='{"area":"sales","progress":-0}', auth=False), expect="4xx")


def duplicate_keys(c):
    cat = "json_duplicate_keys"
    cases = [
        ("configuration-value", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"a","value":"b"}'),
        ("configuration-sensitive", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"a","isSensitive":true,"isSensitive":false}'),
        ("configuration-camel-and-snake", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"a","isSensitive":true,"is_sensitive":false}'),
        ("configuration-key", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"key":"hostile-dup","key":"other","value":"a"}'),
        ("setting-type", "PATCH /v1/appSettings/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"1","type":"INTEGER","type":"STRING"}'),
        ("preference-value", "PATCH /v1/users/hostile-dup/preferences/k?allowMissing=true HTTP/1.1",
         '{"value":"a","value":"a"}'),
        ("goal-area", "PATCH /v1/businessGoals/hostile-dup?allowMissing=true HTTP/1.1",
         '{"area":"sales","area":"team"}'),
        ("goal-metrics-inner", "PATCH /v1/businessGoals/hostile-dup?allowMissing=true HTTP/1.1",
         '{"area":"sales","successMetrics":{"a":"1","a":"2"}}'),
        ("thread-messages", "PATCH /v1/threadContexts/hostile-dup?allowMissing=true HTTP/1.1",
         '{"messages":["a"],"messages":["b"]}'),
        ("metric-name", "POST /v1/performanceMetrics HTTP/1.1",
         '{"name":"hostile-dup","name":"other","value":1}'),
        ("metric-additional-inner", "POST /v1/performanceMetrics HTTP/1.1",
         '{"name":"hostile-dup","value":1,"additionalData":{"k":1,"k":2}}'),
        ("update-mask", "PATCH /v1/configurations/hostile-dup?allowMissing=true&updateMask=value&updateMask=category HTTP/1.1",
         '{"value":"a"}'),
        ("query-page-size-twice", "GET /v1/configurations?pageSize=1&pageSize=2 HTTP/1.1", None),
        # Not duplicates, but the same leniency: a bool as a string.
        ("sensitive-as-string-no", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"a","isSensitive":"no"}'),
        ("sensitive-as-string-false", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"a","isSensitive":"false"}'),
        ("sensitive-as-string-yes", "PATCH /v1/configurations/hostile-dup?allowMissing=true HTTP/1.1",
         '{"value":"a","isSensitive":"yes"}'),
    ]
    for name, head, body in cases:
        both(c, cat, name, lambda auth, h=head, bd=body: req(h, body=bd, auth=auth), expect="4xx")


# SQL-injection and format-string payloads.
PAYLOADS = [
    ("sqli-or", "' OR 1=1--"),
    ("sqli-drop", "x'); DROP TABLE configurations;--"),
    ("sqli-union", "\" UNION SELECT value FROM configurations--"),
    ("format", "%n%s%x%p%d%%"),
    ("jndi", "${jndi:ldap://127.0.0.1:1/a}"),
    ("nul", "a\x00b"),
]


def injections(c):
    cat = "injection"
    # Stored verbatim: hostile strings in text fields are data. Each case
    # writes a record of its own (key hostile-inj-...), then the driver
    # reads it back and checks each field byte for byte. A NUL is invalid
    # input (README: no NUL characters), so its cases expect a 400.
    kinds = [
        # kind, path template (with {id}), body fields, readback template
        ("configuration", "/v1/configurations/{id}", ["value", "description"], {}, "/v1/configurations/{id}"),
        ("setting", "/v1/appSettings/{id}", ["value", "description"], {"type": "STRING"}, "/v1/appSettings/{id}"),
        ("preference", "/v1/users/{id}/preferences/k", ["value"], {}, "/v1/users/{id}/preferences/k"),
        ("goal", "/v1/businessGoals/{id}", ["title", "description", "notes", "weeklyActions", "dailyActions", "successMetrics"],
         {"area": "sales"}, "/v1/businessGoals/{id}"),
        ("thread", "/v1/threadContexts/{id}", ["messages"], {}, "/v1/threadContexts/{id}"),
    ]
    for pname, payload in PAYLOADS:
        for kind, path, fields, extra, readback in kinds:
            for field in fields:
                ident = f"hostile-inj-{kind}-{field}-{pname}"
                p = path.format(id=ident) + "?allowMissing=true"
                if field in ("weeklyActions", "dailyActions", "messages"):
                    value = "[" + json_string(payload) + "]"
                    check = f"{field}[0]"
                elif field == "successMetrics":
                    value = "{" + json_string("k") + ":" + json_string(payload) + "}"
                    check = f"{field}.k"
                else:
                    value = json_string(payload)
                    check = field
                body = "{" + ",".join([json_string(k) + ":" + json_string(v) for k, v in extra.items()] +
                                      [json_string(field) + ":" + b(value)]) + "}"
                if pname == "nul":
                    c.add(cat, f"{kind}-{field}-{pname}", req(f"PATCH {p} HTTP/1.1", body=body), expect="4xx")
                else:
                    c.add(cat, f"{kind}-{field}-{pname}", req(f"PATCH {p} HTTP/1.1", body=body),
                          expect="stored", readback=readback.format(id=ident),
                          fields=[(check, payload)])
        # Metrics: name, unit and additional data.
        for field in ["unit", "additionalData"]:
            name = f"hostile-inj-metric-{field}-{pname}"
            if field == "unit":
                body = '{"name":' + json_string(name) + ',"value":1,"unit":' + json_string(payload) + "}"
                check = "unit"
            else:
                body = '{"name":' + json_string(name) + ',"value":1,"additionalData":{"k":' + json_string(payload) + "}}"
                check = "additionalData.k"
            if pname == "nul":
                c.add(cat, f"metric-{field}-{pname}", req("POST /v1/performanceMetrics HTTP/1.1", body=body), expect="4xx")
            else:
                c.add(cat, f"metric-{field}-{pname}", req("POST /v1/performanceMetrics HTTP/1.1", body=body),
                      expect="stored", readback=f"/v1/performanceMetrics?name={name}",
                      fields=[(check, payload)])
        # Fields the store checks against a fixed set: always a 400.
        for kind, path, field, extra in [
            ("configuration", "/v1/configurations/hostile-inj-enum", "category", {}),
            ("goal", "/v1/businessGoals/hostile-inj-enum", "area", {}),
            ("goal", "/v1/businessGoals/hostile-inj-enum", "status", {"area": "sales"}),
            ("setting", "/v1/appSettings/hostile-inj-enum", "type", {}),
        ]:
            body = "{" + ",".join([json_string(k) + ":" + json_string(v) for k, v in extra.items()] +
                                  [json_string(field) + ":" + json_string(payload)]) + "}"
            c.add(cat, f"enum-{kind}-{field}-{pname}", req(f"PATCH {path}?allowMissing=true HTTP/1.1", body=body),
                  expect="4xx")
        # Path fields: reading a record whose key is the payload finds none
        # (the payload is a key, never SQL).
        enc = "".join(ch if ch.isalnum() or ch in "-_" else "%%%02X" % ord(ch) for ch in payload)
        for kind, path in [("configuration", "/v1/configurations/{}"), ("setting", "/v1/appSettings/{}"),
                           ("preference-user", "/v1/users/{}/preferences/k"),
                           ("preference-key", "/v1/users/u/preferences/{}"),
                           ("goal", "/v1/businessGoals/{}"), ("thread", "/v1/threadContexts/{}")]:
            both(c, cat, f"path-get-{kind}-{pname}", lambda auth, pp=path.format(enc): req(f"GET {pp} HTTP/1.1", auth=auth),
                 expect="4xx")
            c.add(cat, f"path-delete-{kind}-{pname}", req(f"DELETE {path.format(enc)} HTTP/1.1"), expect="4xx")
        # Query fields of the lists: the filter is a value. A list filtered
        # by the payload answers 200 with nothing in it (an injection that
        # matched every row would list them), or 400 for a NUL.
        for name, target in [
            ("configurations-category", "/v1/configurations?category={}"),
            ("goals-area", "/v1/businessGoals?area={}"),
            ("goals-status", "/v1/businessGoals?area=sales&status={}"),
            ("audit-table", "/v1/auditEntries?tableName={}"),
            ("audit-record", "/v1/auditEntries?recordId={}"),
            ("metrics-name", "/v1/performanceMetrics?name={}"),
            ("preferences-user", "/v1/users/{}/preferences"),
            ("threads-channel", "/v1/channels/{}/threadContexts"),
            ("page-token", "/v1/configurations?pageToken={}"),
        ]:
            t = target.format(enc)
            if pname == "nul" or name in ("page-token",) or (
                    name == "threads-channel" and ":" in payload) or (
                    name in ("configurations-category", "goals-area", "goals-status")):
                expect = "4xx"
            else:
                expect = "empty-list"
            c.add(cat, f"query-{name}-{pname}", req(f"GET {t} HTTP/1.1"), expect=expect)
        # Headers: request id, traceparent, If-Match, and the token itself.
        c.add(cat, f"header-token-{pname}",
              req("GET /v1/configurations HTTP/1.1", auth=False,
                  headers="Authorization: Bearer " + payload.replace("\x00", "\\x00") + CRLF),
              expect="4xx")
        c.add(cat, f"header-if-match-{pname}",
              req("PATCH /v1/configurations/hostile-inj-ifmatch?allowMissing=true HTTP/1.1",
                  headers="If-Match: " + json_string(payload.replace("\x00", "")) + CRLF, body='{"value":"v"}'),
              expect="4xx")
        c.add(cat, f"body-etag-{pname}",
              req("PATCH /v1/configurations/hostile-inj-ifmatch?allowMissing=true HTTP/1.1",
                  body='{"value":"v","etag":' + json_string(payload) + "}"),
              expect="4xx")


def auth(c):
    cat = "auth"
    head = "GET /v1/configurations HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for name, value in [
        ("empty", ""), ("bearer-only", "Bearer"), ("bearer-space", "Bearer "),
        ("basic", "Basic YWRtaW46YWRtaW4="), ("lowercase-scheme-junk", "bearer x y z"),
        ("token-prefix", "Bearer opsb_"), ("two-tokens", "Bearer {{token}} {{token}}"),
        ("token-with-suffix", "Bearer {{token}}x"), ("token-truncated", "Bearer opsb_AAAA"),
        ("non-ascii", "Bearer \xc3\xa9\xc3\xa9"), ("invalid-utf8", "Bearer \xff\xfe"),
        ("sha256-line", "Bearer sha256:0000000000000000000000000000000000000000000000000000000000000000"),
        ("format-string", "Bearer %s%s%s%n"), ("jndi", "Bearer ${jndi:ldap://x/a}"),
    ]:
        c.add(cat, name, head + "Authorization: " + value + CRLF + CRLF, expect="4xx")
    c.add(cat, "token-then-bogus-header", head + AUTH + "Authorization: Bearer bogus\r\n" + CRLF,
          expect="4xx-or-close")
    c.add(cat, "x-opsbrain-actor-spoof",
          "PATCH /v1/configurations/hostile-spoof HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          "X-Opsbrain-Scopes: admin,secrets\r\nX-Opsbrain-Actor: ops-admin\r\n"
          "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"value\":\"x\"}",
          expect="4xx")


def main():
    c = Corpus()
    request_lines(c)
    cl_te(c)
    smuggling(c)
    header_floods(c)
    slow_loris(c)
    path_traversal(c)
    percent_encoding(c)
    invalid_utf8_json(c)
    nesting(c)
    numbers(c)
    duplicate_keys(c)
    injections(c)
    auth(c)
    c.write(sys.argv[1] if len(sys.argv) > 1 else CORPUS)
    total = sum(c.counts.values())
    for category in sorted(c.counts):
        print(f"{category:40s} {c.counts[category]:4d}")
    print(f"{'total':40s} {total:4d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
