#!/usr/bin/python3
"""Test SMTP server (aiosmtpd, Debian python3-aiosmtpd) on 127.0.0.1:PORT.

usage: smtp_sink.py PORT OUT_DIR [CERT KEY]
With CERT and KEY, STARTTLS and AUTH (user "vigie", password "s3cret") are
required, and the authenticated user is recorded as X-Auth-User.
Writes each received message to OUT_DIR/<n>.eml, preceded by X-Envelope-From
and X-Envelope-To lines, and OUT_DIR/ready once listening. Messages to
tempfail@... are answered 451 (transient), to reject@... 554 (permanent).
Exits by itself after 120 s.
"""
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, out_dir = int(sys.argv[1]), sys.argv[2]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"vigie"
          and auth_data.password == b"s3cret")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        if any(r.startswith("tempfail@") for r in envelope.rcpt_tos):
            return "451 4.3.0 Try again later"
        if any(r.startswith("reject@") for r in envelope.rcpt_tos):
            return "554 5.7.1 Rejected"
        Handler.count += 1
        path = os.path.join(out_dir, f"{Handler.count}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\n".encode())
            f.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            if session.authenticated:
                f.write(f"X-Auth-User: {session.auth_data.login.decode()}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


options = {}
if len(sys.argv) > 4:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    options = {"tls_context": context, "require_starttls": True,
               "authenticator": authenticator, "auth_required": True}
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
controller.start()
with open(os.path.join(out_dir, "ready"), "w", encoding="utf-8") as f:
    f.write("1")
time.sleep(120)
controller.stop()
