#!/usr/bin/python3
"""Test webhook receiver on 127.0.0.1 (a free port chosen by the OS).

usage: http_receiver.py PORT_FILE LOG_FILE ANSWERS
  PORT_FILE  written (atomically) with the port once listening
  LOG_FILE   one JSON line per request: {path, headers, body, answer}
  ANSWERS    comma-separated statuses, the last one repeating; "429:1" adds
             "Retry-After: 1". E.g. "500,500,200".
Exits by itself after 120 s so that a crashed test leaves nothing behind.
"""
import http.server
import json
import os
import sys
import threading

port_file, log_file, answers = sys.argv[1], sys.argv[2], sys.argv[3].split(",")


class Handler(http.server.BaseHTTPRequestHandler):
    count = 0

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        spec = answers[min(Handler.count, len(answers) - 1)]
        Handler.count += 1
        code, _, retry_after = spec.partition(":")
        with open(log_file, "a", encoding="utf-8") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers),
                                "body": body, "answer": int(code)}) + "\n")
        self.send_response(int(code))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Timer(120, os._exit, [0]).start()
with open(port_file + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
