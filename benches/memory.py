#!/usr/bin/env python3
"""Peak memory of the server under the largest request each documented limit allows.

Starts the release binary on a fresh SQLite file with the S1 data set, reads its
resident set when idle, then sends each request below and reads the peak (VmHWM,
reset before each request through /proc/PID/clear_refs) above idle: an upper
bound, since memory the allocator keeps from one request counts for the next. Run after
`cargo build --release`:  python3 benches/memory.py [path/to/blogql]
"""
import hashlib, json, os, socket, subprocess, sys, tempfile, time, urllib.error, urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/blogql"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def post(url, body, token=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def main():
    tmp = tempfile.mkdtemp()
    url_db = f"sqlite://{tmp}/m.db"
    subprocess.run([BIN, "seed", "--database-url", url_db, "--authors", "1000"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([BIN, "--database-url", url_db, "--no-demo", "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        login = post(url, {"query": 'mutation { login(usernameOrEmail: "author1", password: "blogql-demo") { token } }'})
        token = json.loads(login[1])["data"]["login"]["token"]
        # Within the complexity limit: 100 authors, 2,000 posts and their tags.
        wide = "{ authors(first: 100) { nodes { username profile { city bio } posts(first: 20) { nodes { title body tags(first: 5) { nodes { name } } } } } } }"
        post(url, {"query": "{ posts { totalCount } }"})  # the pool is up
        # Idle before any large request: each peak below is measured from here, so
        # it also holds what the allocator kept from the requests before it.
        idle = kib(server.pid, "VmRSS")
        ids = [str(i) for i in range(1, 1001)]
        cases = {
            "1 MiB body (a padded document)": {"query": "{ posts { totalCount } }" + "#" * (1024 * 1024 - 200)},
            "3 MiB body (413)": b" " * (3 * 1024 * 1024),
            "widest read (complexity limit)": {"query": wide},
            "batch of 10 widest reads": [{"query": wide}] * 10,
            "filter with 5,000 values": {"query": "query($f: PostFilter) { posts(first: 100, filter: $f) { totalCount nodes { title body } } }",
                                        "variables": {"f": {"or": [{"id": {"in": ids}}] * 5}}},
            "createPost with 100 new tags": {"query": "mutation($n: [String!]) { createPost(input: { title: \"m\", body: \"b\", tagNames: $n }) { post { id } } }",
                                             "variables": {"n": [f"mem{i}" for i in range(100)]}},
            "deepest values (32 levels)": {"query": "{ posts(filter: " + "{not: " * 30 + '{id: {eq: "1"}}' + "}" * 30 + ") { totalCount } }"},
        }
        print(f"idle RSS {idle / 1024:.1f} MiB")
        worst = 0
        for name, body in cases.items():
            reset_peak(server.pid)
            status, answer = post(url, body, token)
            peak = kib(server.pid, "VmHWM") - idle
            worst = max(worst, peak)
            try:
                answers = json.loads(answer)
                answers = answers if isinstance(answers, list) else [answers]
                codes = sorted({e["extensions"]["code"] for a in answers for e in a.get("errors", [])})
            except ValueError:
                codes = ["(not JSON)"]
            print(f"{name:40} status {status} {','.join(codes) or 'ok':20} peak {peak / 1024:6.1f} MiB above idle")
        reset_peak(server.pid)
        for i in range(1000):  # APQ: 1,000 registrations of a 64 KiB document
            doc = "{ posts { totalCount } }" + "#" * (64 * 1024 - 100) + str(i)
            sha = hashlib.sha256(doc.encode()).hexdigest()
            post(url, {"query": doc, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}})
        rss = kib(server.pid, "VmRSS") - idle
        print(f"{'after 1,000 APQ registrations of 64 KiB':40} RSS {rss / 1024:6.1f} MiB above idle")
        print(f"worst single request: {worst / 1024:.1f} MiB above idle")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
