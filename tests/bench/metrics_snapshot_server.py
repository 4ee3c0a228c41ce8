#!/usr/bin/env python3
"""Serves saved /metrics snapshots round-robin, for the Prometheus peer run.

Usage: metrics_snapshot_server.py PORT SNAPSHOT...

Prometheus scraping 1,000 targets every 5 s asks for 200 pages a second; one
node_exporter would need ~1.5 cores for that (7.5 ms of CPU per scrape) on this
2-core machine, so the pages node_exporter produced are replayed instead.
Rotating between several snapshots keeps the values moving. Binds 127.0.0.1.
"""
import http.server
import itertools
import sys
import threading


def main():
    port = int(sys.argv[1])
    pages = [open(p, "rb").read() for p in sys.argv[2:]]
    rotation = itertools.cycle(range(len(pages)))
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            with lock:
                body = pages[next(rotation)]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 1024
        daemon_threads = True

    Server(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
