#!/usr/bin/env python3
"""The two HTTP ends of tests/bench/alert_latency.sh. Binds 127.0.0.1 only.

  alert_latency_server.py probe PORT STATE_FILE SCRAPE_LOG
      Serves /metrics with one gauge, `latency_probe{trial="N"} V`, N, V and a slot S
      read from STATE_FILE ("N S V", written by the script to flip the value) on every
      request. A request with `?slot=K` gets the gauge only when K is S (an empty page
      otherwise), so that several scrape jobs, each at its own phase, can take turns.
      The first time it serves V != 0 for a trial it appends "N <time.time()>" to
      SCRAPE_LOG: when the sample that crosses the threshold reached the scraper.

  alert_latency_server.py webhook PORT LOG
      An Alertmanager-style webhook receiver: for every alert of every POST it appends
      "<arrival time.time()> <status> <trial label>" to LOG (arrival = before the body
      is read).
"""
import http.server
import json
import sys
import threading
import time
import urllib.parse


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def append(path, line):
    with open(path, "a", encoding="ascii") as f:
        f.write(line + "\n")


def probe(port, state_file, scrape_log):
    lock = threading.Lock()
    last = {"trial": "0", "slot": "-", "value": "0"}
    logged = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            with lock:
                try:
                    with open(state_file, encoding="ascii") as f:
                        trial, slot, value = f.read().split()
                    float(value)
                    last.update(trial=trial, slot=slot, value=value)
                except (OSError, ValueError):
                    pass  # half-written: keep the previous state
                trial, slot, value = last["trial"], last["slot"], last["value"]
                serve = "slot" not in query or query["slot"][0] == slot
                body = "# HELP latency_probe Flipped by alert_latency.sh.\n"
                body += "# TYPE latency_probe gauge\n"
                if serve:
                    body += f'latency_probe{{trial="{trial}"}} {value}\n'
                body = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if serve and float(value) != 0 and trial not in logged:
                    logged.add(trial)
                    append(scrape_log, f"{trial} {time.time():.6f}")

        def log_message(self, *args):
            pass

    Server(("127.0.0.1", port), Handler).serve_forever()


def webhook(port, log):
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            arrival = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            try:
                payload = json.loads(body)
            except ValueError:
                return
            with lock:
                for alert in payload.get("alerts", []):
                    trial = alert.get("labels", {}).get("trial", "-")
                    status = alert.get("status", "?")
                    append(log, f"{arrival:.6f} {status} {trial}")

        def log_message(self, *args):
            pass

    Server(("127.0.0.1", port), Handler).serve_forever()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "probe":
        probe(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "webhook":
        webhook(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
