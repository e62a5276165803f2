#!/usr/bin/env python3
"""chu serve's API and its defences, against a server started on a free loopback port.

Run by tests/serve.sh: python3 tests/serve.py CHU WORKDIR. Prints "ok - …" / "FAIL …" per
check and ends with "N passed, N failed". Indexes examples/ (and the seed articles when
../shared/data is there) into WORKDIR, serves it, and stops the server after.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

CHU, WORK = sys.argv[1], sys.argv[2]
SEEDS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "seeds")
passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("FAIL serve: " + what + (": " + str(detail)[:300] if detail else ""))
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*args, **kw):
    return subprocess.run([CHU, *args], capture_output=True, **kw)


def seed_files():
    if not os.path.isdir(SEEDS):
        return []
    return sorted(os.path.join(SEEDS, f) for f in os.listdir(SEEDS) if f.endswith(".txt"))


db = os.path.join(WORK, "serve.db")
inputs = ["examples"] + seed_files()
if not seed_files():
    print("skip serve: no ../shared/data/seeds; the facet checks use examples/ only")
r = run("index", db, *inputs)
check(r.returncode == 0, "chu index examples and seeds", r.stderr.decode()[-300:])
added = int(r.stderr.decode().split(" documents added")[0].split()[-1]) if b" documents added" in r.stderr else -1

port = free_port()
log = open(os.path.join(WORK, "serve.log"), "wb")
server = subprocess.Popen([CHU, "serve", db, "--port", str(port), "--threads", "2", "--timeout", "2",
                           "--max-body", "64K", "--max-query", "500"], stderr=log)


def stop():
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def wait_ready():
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            if server.poll() is not None:
                return False
            time.sleep(0.05)
    return False


def get(path, method="GET", body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request(method, path, body=body, headers=headers or {})
    resp = c.getresponse()
    data = resp.read()
    c.close()
    return resp.status, dict(resp.getheaders()), data


def api(path, **kw):
    status, headers, data = get(path, **kw)
    try:
        return status, headers, json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return status, headers, None


def search(**params):
    return api("/api/search?" + urllib.parse.urlencode(params))


def raw(data, read_until_close=True, timeout=5):
    """Sends bytes on a fresh connection; what came back before the server closed or timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    s.sendall(data)
    chunks = []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
            if not read_until_close:
                break
    except socket.timeout:
        pass
    s.close()
    return b"".join(chunks)


def healthy():
    try:
        status, _, body = api("/api/health")
        return status == 200 and body and body["status"] == "ok"
    except OSError as e:
        return False


try:
    if not check(wait_ready(), "the server starts and listens"):
        raise SystemExit
    time.sleep(0.2)
    with open(os.path.join(WORK, "serve.log"), "rb") as f:
        first = f.read().decode("utf-8", "replace")
    check("http://127.0.0.1:%d/" % port in first, "it prints its URL", first)

    # ---- health
    status, headers, h = api("/api/health")
    docs = h["documents"] if h else -1
    check(status == 200 and docs == added, "health counts the documents", (h, added))
    check(h and h["version"] and isinstance(h["models"], dict), "health names the version and models", h)
    check("default-src 'self'" in headers.get("Content-Security-Policy", ""), "API responses carry the CSP", headers)

    # ---- search
    status, _, res = search(q="Việt Nam", limit=3)
    check(status == 200 and res["total"] >= 1 and len(res["hits"]) <= 3, "search: a marked query", res)
    check(res and res["understood"]["marks"] is True and res["understood"]["likely"] is None,
          "search: a marked query is taken as written", res and res["understood"])
    hit = res["hits"][0] if res and res["hits"] else {}
    for key in ("id", "title", "score", "exact", "match", "snippet", "highlights"):
        check(key in hit, "search: a hit has " + key, hit)
    ok = True
    for h in (res or {}).get("hits", []):
        b = h["snippet"].encode("utf-8")
        last = 0
        for a, e in h["highlights"]:
            ok = ok and last <= a < e <= len(b)
            last = e
            marked = b[a:e].decode("utf-8").lower()
            ok = ok and ("việt" in marked or "nam" in marked)
    check(ok and hit.get("highlights"), "search: highlights are byte ranges of the matched words", res and res["hits"])
    # the CLI's hits for the same query, in the same order
    cli = run("search", "--json", "--limit", "3", db, "Việt Nam")
    cli_ids = [json.loads(l)["id"] for l in cli.stdout.decode().splitlines() if l.startswith("{\"id\"")]
    check(cli_ids == [h["id"] for h in res["hits"]], "search: the API's hits are chu search's",
          (cli_ids, [h["id"] for h in res["hits"]]))

    status, _, res = search(q="viet nam", limit=2)
    check(status == 200 and res["understood"]["marks"] is False, "search: an unmarked query", res)
    if h_models := (api("/api/health")[2] or {}).get("models", {}).get("accent"):
        check(res["understood"]["likely"] == "việt nam", "search: the likely spelling of an unmarked query",
              res["understood"])
    status, _, p1 = search(q="và", limit=2)
    status2, _, p2 = search(q="và", limit=2, offset=2)
    check(status == status2 == 200 and p1["total"] == p2["total"] and
          not {h["id"] for h in p1["hits"]} & {h["id"] for h in p2["hits"]}, "search: pages do not overlap", (p1, p2))
    _, _, strict = search(q="hợp tác quốc tế phụ nữ", mode="all")
    _, _, ranked = search(q="hợp tác quốc tế phụ nữ")
    check(strict["total"] <= ranked["total"] and ranked["total"] > 0, "search: mode=all is stricter than ranked",
          (strict["total"], ranked["total"]))
    _, _, anyq = search(q="phụ nữ được bầu bao nhiêu lần", mode="any")
    check(anyq and anyq["total"] > 0, "search: mode=any answers a question", anyq)

    # facets: each count is the number of hits whose annotation has that entity
    _, _, res = search(q="và", limit=100)
    ids = [h["id"] for h in res["hits"]]
    check(res["total"] == len(ids) == res["facets_over"], "facets: over every hit", (res["total"], len(ids)))
    ents = {}
    for i in ids:
        status, _, d = api("/api/doc/" + urllib.parse.quote(i, safe=""))
        check(status == 200, "doc " + i, d)
        if not d:
            continue
        text = d["text"].encode("utf-8")
        # offsets point at the entity's bytes (its text as chu annotate normalizes it)
        for e in d["entities"]:
            piece = text[e["start"]:e["end"]].decode("utf-8", "replace")
            if " ".join(piece.split()) != e["text"] and piece.lower() != e["text"].lower():
                check(False, "doc %s: entity offsets" % i, (piece, e))
        got = {(e["type"].lower(), e["text"].lower()) for e in d["entities"]}
        # facets take a person named by the last words of a longer name of the document as that person
        people = [t for k, t in got if k == "per"]
        ents[i] = {(k, t) for k, t in got if k != "per" or not any(p.endswith(" " + t) for p in people)}
    # and the document's entities are chu annotate's on the same text
    status, _, d = api("/api/doc/" + urllib.parse.quote(ids[0], safe=""))
    ann = run("annotate", "--format", "jsonl", input=d["text"].encode("utf-8"))
    want = []
    for line in ann.stdout.decode().splitlines():
        want += [(e["type"], e["text"], e["start"], e["end"]) for e in json.loads(line)["entities"]]
    got = [(e["type"], e["text"], e["start"], e["end"]) for e in d["entities"]]
    check(got == want, "doc: its entities are chu annotate's", (got[:5], want[:5]))
    fok = True
    for kind in ("per", "org", "loc"):
        for f in res["facets"][kind]:
            n = sum(1 for i in ids if (kind, f["text"].lower()) in ents.get(i, ()))
            if n != f["count"]:
                fok = check(False, "facet %s %s counts %d, the documents say %d" % (kind, f["text"], f["count"], n))
        if res["facets"][kind]:
            top = res["facets"][kind][0]["count"]
            most = max(sum(1 for i in ids if (kind, t) in ents.get(i, ())) for i2 in ids
                       for (k, t) in ents.get(i2, ()) if k == kind)
            fok = check(top >= most, "facet %s: the first is the commonest" % kind, (top, most)) and fok
    check(fok, "facets equal the entities of chu annotate in the hits")
    if res["facets"]["loc"]:
        place = res["facets"]["loc"][0]
        _, _, narrowed = search(q="và", loc=place["text"], limit=100)
        check(narrowed["total"] == place["count"], "a place filter narrows to its facet count",
              (narrowed["total"], place))
        _, _, without = search(q="và", loc="-" + place["text"], limit=100)
        check(without["total"] + narrowed["total"] == res["total"], "a negated place filter takes the rest",
              (without["total"], narrowed["total"], res["total"]))
        _, _, only = search(loc=place["text"])
        check(only and only["total"] == place["count"] and only["hits"][0]["match"] == "filter",
              "a filter without a query", only)

    # dates: examples/news.jsonl has them when it is there
    _, _, dated = search(q="và", date_from="2023-01", date_to="2023-12", limit=100)
    check(dated is not None and "total" in dated, "search: a date range", dated)
    if dated and dated["total"]:
        check(all(h.get("date", "")[:4] == "2023" for h in dated["hits"]), "search: a date range keeps its dates",
              dated)
        months = {m["month"]: m["count"] for m in dated["months"]}
        check(sum(months.values()) == dated["total"] or dated["total"] > 1000, "months count the dated hits", months)

    # everything below, until the document added while serving, runs beside a client whose valid
    # searches must keep getting the right answer (bad requests under load)
    load_want = [h["id"] for h in search(q="Quảng Nam", limit=5)[2]["hits"]]
    load_stop = threading.Event()
    load_ok, load_bad = [], []

    def load():
        while not load_stop.is_set():
            try:
                st, _, b = search(q="Quảng Nam", limit=5)
                (load_ok if st == 200 and [h["id"] for h in b["hits"]] == load_want else load_bad).append(st)
            except OSError as e:
                load_bad.append(str(e))

    loader = threading.Thread(target=load)
    loader.start()

    # ---- errors: JSON, 4xx
    for params, what in [({"q": ""}, "an empty query"), ({"q": "a", "limit": "0"}, "limit 0"),
                         ({"q": "a", "limit": "x"}, "limit x"), ({"q": "a", "limit": "101"}, "limit 101"),
                         ({"q": "a", "offset": "-1"}, "offset -1"), ({"q": "a", "mode": "fuzzy"}, "an unknown mode"),
                         ({"q": "a", "bogus": "1"}, "an unknown parameter"), ({"q": "\"unbalanced"}, "a bad query"),
                         ({"q": "x" * 501}, "a query past --max-query"),
                         ({"q": "a", "date_from": "2023-13"}, "a bad date"),
                         ({"q": "nam:xx"}, "an unknown field")]:
        status, headers, body = search(**params)
        check(400 <= status < 500 and body and isinstance(body.get("error"), str) and
              headers.get("Content-Type", "").startswith("application/json"), "error: " + what, (status, body))
    for path, what in [("/api/search?q=%00", "NUL in q"), ("/api/search?q=%FF%FE", "invalid UTF-8 in q"),
                       ("/api/search?q=%C0%AF", "overlong UTF-8 in q"), ("/api/search?q=%ED%A0%80", "a surrogate in q"),
                       ("/api/nothing", "an unknown API"), ("/api/doc/no-such-document", "an unknown document"),
                       ("/api/doc/%FF", "an id that is not UTF-8"), ("/api/doc/tin-001%00x", "NUL in a document id")]:
        status, _, body = api(path)
        check(400 <= status < 500 and body and "error" in body, "error: " + what, (status, body))
    status, _, body = api("/api/search?q=a", method="DELETE")
    check(status == 405 and body and "error" in body, "error: a method not served", (status, body))
    status, _, body = api("/api/search?q=a", method="POST", body=b"abc", headers={"Content-Type": "text/plain"})
    check(status == 405 and body and "error" in body, "error: a POST with a body where none is taken", (status, body))
    status, _, body = api("/api/annotate")
    check(status == 405, "error: GET /api/annotate", (status, body))

    # ---- annotate
    text = "Ông Nguyễn Văn An, Giám đốc Sở Y tế Hà Nội, nói ngày 5/6/2023. Giá tăng 5%."
    status, headers, data = get("/api/annotate", method="POST", body=text.encode(), headers={"Content-Type": "text/plain"})
    ann = run("annotate", "--format", "jsonl", input=text.encode())
    want = ann.stdout.decode().replace('"doc":"<stdin>"', '"doc":"request"')
    check(status == 200 and data.decode() == want, "annotate: text/plain is chu annotate --format jsonl",
          (status, data[:200], want[:200]))
    status, _, data = get("/api/annotate", method="POST", body=json.dumps({"text": text}).encode(),
                          headers={"Content-Type": "application/json"})
    check(status == 200 and data.decode() == want, "annotate: JSON {\"text\"}", (status, data[:200]))
    for body, ctype, code, what in [(b"{\"text\": 5}", "application/json", 400, "a JSON text that is not a string"),
                                    (b"{not json", "application/json", 400, "a body that is not JSON"),
                                    (b"\xff\xfe bad", "text/plain", 400, "invalid UTF-8"),
                                    (b"a\x00b", "text/plain", 400, "a NUL byte"),
                                    (b'{"text": "a\\u0000b"}', "application/json", 400, "an escaped NUL in JSON"),
                                    (b"x", "image/png", 415, "another media type"),
                                    (b"a" * (64 * 1024 + 1), "text/plain", 413, "a body past --max-body")]:
        status, _, data = get("/api/annotate", method="POST", body=body, headers={"Content-Type": ctype})
        check(status == code and b"error" in data, "annotate error: " + what, (status, data[:100]))
    # a chunked body past the limit (no length given)
    resp = raw(b"POST /api/annotate HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n" + (b"10000\r\n" + b"a" * 0x10000 + b"\r\n") * 2 + b"0\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 413"), "annotate: a chunked body past the limit", resp[:80])

    # ---- the page and nothing else
    status, headers, page = get("/")
    web = sorted(os.listdir("web")) if os.path.isdir("web") else []
    if "index.html" in web:
        check(status == 200 and headers.get("Content-Type", "").startswith("text/html") and
              page == open("web/index.html", "rb").read(), "the page at /", status)
        for f in web:
            s2, h2, b2 = get("/" + f)
            check(s2 == 200 and b2 == open(os.path.join("web", f), "rb").read(), "embedded " + f, s2)
    embedded = {open(os.path.join("web", f), "rb").read() for f in web}
    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                 "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/..%2f..%2fetc%2fpasswd", "//etc/passwd",
                 "/index.html/../../../etc/passwd", "/api/../../etc/passwd", "/Makefile", "/cli/serve.c",
                 "/web/index.html", "/.git/config", "/%00", "/index.html%00.txt"]:
        resp = raw(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        head, _, body = resp.partition(b"\r\n\r\n")
        served = head.startswith(b"HTTP/1.1 200")
        check(not served or body in embedded, "only embedded files: " + path, head[:60])
        check(b"root:" not in resp, "no file system: " + path)

    # ---- HTTP/1.0, pipelining, cut-short and slow clients
    resp = raw(b"GET /api/health HTTP/1.0\r\n\r\n")
    check(resp.startswith(b"HTTP/1.") and b" 200 " in resp[:20] and b"\"ok\"" in resp, "HTTP/1.0", resp[:60])
    resp = raw(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/search?q=vi%E1%BB%87t HTTP/1.1\r\nHost: x\r\n"
               b"Connection: close\r\n\r\n")
    check(resp.count(b"HTTP/1.1 200") == 2, "two pipelined requests, two answers", resp[:100])
    check(raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 100000 + b"\r\n\r\n")[:12] in
          (b"HTTP/1.1 431", b"HTTP/1.1 414", b"HTTP/1.1 413", b""), "headers past the limit are refused")
    resp = raw(("GET /api/search?q=%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % ("a" * 100000)).encode())
    check(resp[:12] in (b"HTTP/1.1 414", b"HTTP/1.1 431", b"HTTP/1.1 400"), "a 100 kB query string is refused",
          resp[:40])
    check(raw(b"BREW /coffee HTCPCP/1.0\r\n\r\n")[:10] in (b"HTTP/1.1 4", b"HTTP/1.0 4", b""),
          "a request line that is not HTTP")
    check(raw(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(200))[:10] in (b"HTTP/1.1 4", b""),
          "TLS bytes to a plain port")
    # a client that sends half a body and leaves
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /api/annotate HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nabc")
    s.close()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/sea")
    s.close()
    check(healthy(), "clients that leave mid-request do not stop the server")
    # slow clients: 40 connections that send a header byte at a time; others are answered meanwhile
    slow = []
    for _ in range(40):
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        slow.append(c)
    t0 = time.time()
    answered = 0
    while time.time() - t0 < 3:
        for c in slow:
            try:
                c.sendall(b"X")
            except OSError:
                pass
        status, _, body = search(q="Việt Nam", limit=1)
        answered += status == 200 and body["hits"] is not None
        time.sleep(0.2)
    check(answered >= 10, "valid requests are answered while 40 slow clients hold connections", answered)
    # idle ones are dropped after --timeout (2 s)
    time.sleep(3)
    closed = 0
    for c in slow:
        c.settimeout(1)
        try:
            closed += c.recv(1) == b""
        except (socket.timeout, OSError):
            closed += 0
        c.close()
    check(closed >= 30, "idle slow clients are dropped after --timeout", closed)

    # concurrent clients get correct answers
    want_ids = [h["id"] for h in search(q="Việt Nam", limit=5)[2]["hits"]]
    results = []

    def client():
        for _ in range(20):
            st, _, b = search(q="Việt Nam", limit=5)
            results.append(st == 200 and [h["id"] for h in b["hits"]] == want_ids)

    threads = [threading.Thread(target=client) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    check(len(results) == 120 and all(results), "120 concurrent searches all answer the same", results.count(False))

    load_stop.set()
    loader.join()
    check(len(load_ok) >= 20 and not load_bad, "a client's valid searches are answered right through the bad requests",
          (len(load_ok), load_bad[:5]))

    # ---- a document added while serving is found, without a restart
    before = search(q="Pleiku Kon Tum", mode="all")[2]["total"]
    new = os.path.join(WORK, "moi.txt")
    with open(new, "w", encoding="utf-8") as f:
        f.write("Tin mới từ Pleiku\n\nHội nghị xúc tiến du lịch Pleiku và Kon Tum khai mạc sáng nay.\n")
    r = run("index", db, new)
    check(r.returncode == 0, "chu index adds a document while serving", r.stderr.decode())
    status, _, after = search(q="Pleiku Kon Tum", mode="all")
    check(status == 200 and after["total"] == before + 1 and after["hits"][0]["id"].endswith("moi.txt"),
          "the new document is found without a restart", after)

    check(healthy() and server.poll() is None, "the server still answers after every bad request")
finally:
    stop()
    log.close()
check(server.returncode == 0, "SIGTERM stops the server cleanly (exit 0)", server.returncode)
with open(os.path.join(WORK, "serve.log"), "rb") as f:
    lines = f.read().decode("utf-8", "replace").splitlines()
check(any('"GET /api/health' in l and " 200 " in l for l in lines), "an access-log line per request", lines[-3:])
check(not any("AddressSanitizer" in l or "runtime error" in l for l in lines), "no sanitizer report",
      [l for l in lines if "Sanitizer" in l][:3])
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
