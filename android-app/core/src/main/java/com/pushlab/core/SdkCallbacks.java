package com.pushlab.core;

import java.util.Map;

/**
 * The app-side callback a vendor SDK's receiver calls for a push service
 * broadcast, by the SDK's method name ({@code onNotificationMessageClicked},
 * {@code onNotificationClicked}, ...), or null when it calls none. The same
 * rules as the hub's {@code SdkCallback::dispatched}; both sides check
 * {@code fixtures/gateway/callbacks.json}.
 *
 * <ul>
 * <li>Mi: the {@code MiPushMessage} under {@code key_message} says which:
 * {@code passThrough} 1 is a pass-through message, else
 * {@code isArrivedMessage} true the arrival, else the click.</li>
 * <li>vivo: the receiver's broadcast is the notification click.</li>
 * <li>Meizu: the {@code method} extra ({@code private} the tap,
 * {@code notification_arrived} the arrival, {@code message} a pass-through
 * message).</li>
 * <li>FCM: a notification message ({@code gcm.notification.*} keys) is shown
 * by the SDK itself while the app is in the background; only a data message
 * reaches {@code onMessageReceived}.</li>
 * </ul>
 */
public final class SdkCallbacks {
    public static final String MI_RECEIVE_MESSAGE = "com.xiaomi.mipush.RECEIVE_MESSAGE";
    public static final String VIVO_RECEIVE = "com.vivo.pushclient.action.RECEIVE";
    public static final String MEIZU_MESSAGE = "com.meizu.flyme.push.intent.MESSAGE";
    public static final String FCM_RECEIVE = "com.google.android.c2dm.intent.RECEIVE";

    private SdkCallbacks() {
    }

    /** The callback for a broadcast with this action and these extras (values as read with getString). */
    public static String dispatched(String action, Map<String, Object> extras) {
        if (action == null) {
            return null;
        }
        if (action.equals(MI_RECEIVE_MESSAGE)) {
            Map<String, Object> message = null;
            Object raw = extras.get("key_message");
            if (raw instanceof String) {
                try {
                    message = Json.parseObject((String) raw);
                } catch (JsonException e) {
                    message = null;
                }
            }
            boolean passThrough = message != null && Long.valueOf(1).equals(asLong(message.get("passThrough")));
            boolean arrived = message != null && Boolean.TRUE.equals(message.get("isArrivedMessage"));
            if (passThrough) {
                return "onReceivePassThroughMessage";
            }
            return arrived ? "onNotificationMessageArrived" : "onNotificationMessageClicked";
        }
        if (action.equals(VIVO_RECEIVE)) {
            return "onNotificationMessageClicked";
        }
        if (action.equals(MEIZU_MESSAGE)) {
            Object method = extras.get("method");
            if ("private".equals(method)) {
                return "onNotificationClicked";
            } else if ("notification_arrived".equals(method)) {
                return "onNotificationArrived";
            } else if ("message".equals(method)) {
                return "onMessage";
            }
            return null;
        }
        if (action.equals(FCM_RECEIVE)) {
            for (String k : extras.keySet()) {
                if (k.startsWith("gcm.notification.")) {
                    return null;
                }
            }
            return "onMessageReceived";
        }
        return null;
    }

    private static Long asLong(Object v) {
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            return d == Math.rint(d) ? Long.valueOf((long) d) : null;
        }
        return null;
    }
}
