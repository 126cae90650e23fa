"""`actq serve` under hostile traffic on 127.0.0.1: random query strings, thousands of distinct
custom.* sets, oversized requests, and slow clients that never finish their request.

Bounded in count and time; loopback only. The server must answer every request with a status
the API documents, never 500, never die, and its memory must stay bounded while distinct
queries keep coming.
"""
import http.client
import json
import os
import random
import re
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTQ = os.environ.get("ACTQ_BINARY", os.path.join(ROOT, ".build", "debug", "actq"))
DOCUMENTED = {200, 204, 400, 401, 403, 404, 405, 406}
PASSWORD = "hostile-test-password"
SEED = int(os.environ.get("ACTQ_TEST_SEED", "5"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))


class Server:
    def __init__(self, home):
        env = dict(os.environ, ACTQ_SERVE_PASSWORD=PASSWORD, XDG_DATA_HOME=f"{home}/data",
                   XDG_STATE_HOME=f"{home}/state", XDG_CONFIG_HOME=f"{home}/config")
        store = f"{home}/store.sqlite"
        subprocess.run([ACTQ, "demo", "--count", "3000", "--until", "2024-06-01T00:00:00Z", "--db", store],
                       env=env, check=True, capture_output=True)
        self.log = open(f"{home}/serve.log", "w+")
        self.process = subprocess.Popen([ACTQ, "serve", "--db", store, "--port", "0", "--log-level", "error"],
                                        env=env, stderr=self.log)
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            self.log.seek(0)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/system", self.log.read())
            if found:
                self.port = int(found.group(1))
            elif self.process.poll() is not None:
                raise RuntimeError("actq serve ended at start-up")
            else:
                time.sleep(0.05)
        assert self.port, "actq serve did not start"

    def session(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", "/system/ws/v12/authentication/user/login?forceLogin=yes",
                           body=json.dumps({"userName": "demo", "password": PASSWORD}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 204
        return response.getheader("X-egain-session")

    def stop(self):
        self.process.terminate()
        return self.process.wait(timeout=30)


def random_query(rng):
    """A query string from pieces of the API and pieces of garbage."""
    names = ["customer", "case", "status", "mode", "assignedTo", "queue", "createdDate", "lastModifiedDate",
             "assignedUserName", "type", "$pagenum", "$pagesize", "$rangestart", "$rangesize", "$sort", "$order",
             "$attribute", "custom.priority", "custom.region", "bogus", "", "%ZZ", "custom.", "$"]
    values = ["1080", "open", "email", "0", "-1", "99999999999999999999", "[2024-01-01T00:00:00.000Z,]", "[,]",
              "[", "%5B2024-01-01T00:00:00.000Z%2C%5D", "id", "desc", "all", "", "%00", "\u00e9".encode().decode("latin-1"),
              "".join(rng.choice("ab[],:%=&+ \u202e") for _ in range(rng.randint(1, 20)))]
    parts = []
    for _ in range(rng.randint(0, 6)):
        part = rng.choice(names) + ("=" + rng.choice(values) if rng.random() < 0.9 else "")
        parts.append(part)
    return "&".join(parts)


def on_the_wire(query):
    """The query with what cannot stand in a request line percent-encoded (spaces, controls,
    non-ASCII); everything else, stray % and brackets included, goes as it is."""
    return "".join(c if 0x21 <= ord(c) <= 0x7E else "".join(f"%{b:02X}" for b in c.encode()) for c in query)


def search(connection, session, query):
    connection.request("GET", "/system/ws/v12/interaction/activity?" + on_the_wire(query),
                       headers={"X-egain-session": session, "Accept": "application/json"})
    response = connection.getresponse()
    body = response.read()
    return response.status, body


def slow_client(port, stop):
    """Opens connections that send a request line a byte at a time and never finish."""
    sockets = []
    try:
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(s)
        index = 0
        line = b"GET /system/ws/v12/interaction/activity?status=open HTTP/1.1\r\nHost: x\r\n"
        while not stop.is_set() and index < len(line):
            for s in sockets:
                try:
                    s.send(line[index:index + 1])
                except OSError:
                    pass
            index += 1
            stop.wait(0.5)
    finally:
        for s in sockets:
            s.close()


def test_hostile_traffic_gets_documented_answers_in_bounded_memory():
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as home:
        server = Server(home)
        try:
            stop = threading.Event()
            slow = threading.Thread(target=slow_client, args=(server.port, stop))
            slow.start()
            session = server.session()
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            statuses = {}

            def record(status, body, what):
                statuses[status] = statuses.get(status, 0) + 1
                assert status in DOCUMENTED, f"{what} got {status}: {body[:300]!r}"

            # Random query strings.
            for _ in range(1500):
                query = random_query(rng)
                status, body = search(connection, session, query)
                record(status, body, query)

            # Distinct custom.* sets: each a new SQL text for the store. The first rounds warm the
            # caches up; memory after them must not grow with further distinct queries.
            def custom_round(start, count):
                for index in range(start, start + count):
                    width = 1 + index % 100
                    query = "&".join(f"custom.a{index}_{k}={k}" for k in range(width))
                    status, body = search(connection, session, query)
                    record(status, body, f"{width} custom attributes")
            custom_round(0, 400)
            warm = rss_kib(server.process.pid)
            custom_round(400, 1600)
            after = rss_kib(server.process.pid)

            # More than the API carries: refused with 400, not served.
            status, body = search(connection, session, "&".join(f"custom.x{k}=1" for k in range(101)))
            record(status, body, "101 custom attributes")
            assert status == 400
            status, body = search(connection, session, "status=" + "o" * (17 * 1024))
            record(status, body, "17 KiB query")
            assert status == 400
            # A header larger than the limit closes the connection instead of being buffered.
            big = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                big.request("GET", "/system/ws/v12/interaction/activity?status=open",
                            headers={"X-egain-session": session, "X-Padding": "p" * (64 * 1024)})
                big_status = big.getresponse().status
                assert big_status in DOCUMENTED, big_status
            except (ConnectionError, http.client.HTTPException, OSError):
                pass

            stop.set()
            slow.join(timeout=30)
            assert server.process.poll() is None, "actq serve died"
            # Still serving, right answers.
            status, body = search(connection, session, "customer=1080")
            assert status == 200
            assert json.loads(body)["paginationInfo"]["count"] > 0
            growth_mib = (after - warm) / 1024
            print(f"statuses {dict(sorted(statuses.items()))}; RSS {warm / 1024:.1f} MiB after warm-up, "
                  f"{after / 1024:.1f} MiB after 1,600 more distinct queries (+{growth_mib:.1f} MiB)")
            assert growth_mib < 32, f"RSS grew by {growth_mib:.1f} MiB over 1,600 distinct queries"
            assert 500 not in statuses
        finally:
            code = server.stop()
            server.log.seek(0)
            log = server.log.read()
            assert code == 0, log[-2000:]
            assert PASSWORD not in log
