"""Sends one notification with Huawei's Python server SDK
(python-huawei-push-admin, the HMS Python demo) to pushlab's simulated
HMS endpoints, unchanged except for its two base URLs.

Usage: huawei_push_admin.py BASE_URL APP_ID APP_SECRET TOKEN
Prints the response dict as JSON on success; exits 1 with the SDK's error.
"""

import importlib.util
import json
import os
import sys
import tempfile

# python-huawei-push-admin 1.0.0 installs `push_admin` but imports itself as
# `src.push_admin`; give it that name without touching its code.
spec = importlib.util.find_spec("push_admin")
if spec is None or spec.origin is None:
    sys.exit("python-huawei-push-admin is not installed (run scripts/setup-test-deps.sh)")
shim = tempfile.mkdtemp()
os.makedirs(os.path.join(shim, "src"))
open(os.path.join(shim, "src", "__init__.py"), "w").close()
os.symlink(os.path.dirname(spec.origin), os.path.join(shim, "src", "push_admin"))
sys.path.insert(0, shim)

from src import push_admin  # noqa: E402
from src.push_admin import messaging  # noqa: E402

base, app_id, secret, token = sys.argv[1:5]
push_admin.initialize_app(
    app_id, secret, token_server=base + "/oauth2/v3/token", push_open_url=base
)
notification = messaging.AndroidNotification(
    title="a new message",
    body="hello from the HMS Python SDK",
    click_action=messaging.AndroidClickAction(action_type=3),
    channel_id="im_channel",
    badge=messaging.AndroidBadgeNotification(add_num=1, clazz="com.example.Main"),
)
android = messaging.AndroidConfig(
    urgency=messaging.AndroidConfig.NORMAL_PRIORITY,
    ttl="86400s",
    data='{"extKey":"ext content"}',
    notification=notification,
)
message = messaging.Message(android=android, token=[token])
try:
    response = messaging.send_message(message)
except Exception as e:  # the SDK raises ApiCallError on any non-200
    print(str(e))
    sys.exit(1)
print(json.dumps({"code": response.code, "msg": response.reason, "requestId": response.requestId}))
