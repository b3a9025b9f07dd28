"""Drives pushlab's FCM simulator with the real firebase-admin Python SDK.

Only two things point the SDK at the simulator instead of Google: the
service-account file's `token_uri` (written by the Rust test) and
`_MessagingService.FCM_URL`. Everything else is the SDK's own code path:
google-auth signs the JWT assertion, trades it for an access token, and
firebase-admin maps the error responses to its exception classes.

Usage: fcm_firebase_admin.py BASE_URL SERVICE_ACCOUNT_JSON TOKEN UNKNOWN_TOKEN

Prints one JSON object per line: {"case": ..., "result": ...}.
"""

import json
import sys
import warnings

import firebase_admin
from firebase_admin import credentials, exceptions, messaging


def outcome(fn):
    try:
        return {"ok": fn()}
    except exceptions.FirebaseError as e:
        return {"error": type(e).__name__, "code": e.code, "message": str(e),
                "invalid_argument": isinstance(e, exceptions.InvalidArgumentError)}


def main():
    base_url, sa_path, token, unknown_token = sys.argv[1:5]
    # IM servers address devices by registration token; firebase-admin 7.7
    # deprecates Message.token in favour of Message.fid but still sends it.
    warnings.simplefilter("ignore", DeprecationWarning)
    messaging._MessagingService.FCM_URL = base_url + "/v1/projects/{0}/messages:send"
    app = firebase_admin.initialize_app(credentials.Certificate(sa_path))

    def message(to, fid=None, **data):
        return messaging.Message(
            token=None if fid else to,
            fid=fid,
            notification=messaging.Notification(title="Denny", body="hello from Denny"),
            data=data or None,
            android=messaging.AndroidConfig(
                priority="high",
                notification=messaging.AndroidNotification(channel_id="im_channel"),
            ),
        )

    cases = [
        ("send", lambda: messaging.send(message(token, ext='{"extKey":"ext content"}'), app=app)),
        ("fid_send", lambda: messaging.send(message(None, fid=token.split(":")[0]), app=app)),
        ("dry_run", lambda: messaging.send(message(token), dry_run=True, app=app)),
        ("unknown_token", lambda: messaging.send(message(unknown_token), app=app)),
        ("malformed_token", lambda: messaging.send(message("not-a-token"), app=app)),
        ("oversize", lambda: messaging.send(message(token, ext="x" * 5000), app=app)),
    ]
    for name, fn in cases:
        print(json.dumps({"case": name, "result": outcome(fn)}), flush=True)


if __name__ == "__main__":
    main()
