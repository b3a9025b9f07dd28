package com.pushlab.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the demo app finds the sender's {@code ext}, per vendor path, and
 * the {@code via} it reports (docs/device-side.md):
 * <ul>
 * <li>{@code intent_extra}: the {@code ext} extra of the opened activity;</li>
 * <li>{@code mipush_message}: {@code extra.ext} of the MiPushMessage under {@code key_message}
 * (on the opened activity, or in Mi's click callback);</li>
 * <li>{@code intent_extras}: OPPO and Huawei put each key of a JSON ext as its
 * own string extra; reported as the JSON object of them (sorted keys);</li>
 * <li>{@code callback_params}: the params map of a vendor SDK callback (vivo,
 * Huawei and FCM data, a plain {@code ext} extra);</li>
 * <li>{@code self_define_content}: Meizu's {@code selfDefineContentString}.</li>
 * </ul>
 */
public final class ExtExtractor {
    public static final String KEY_MESSAGE = "key_message";
    public static final String EXT = "ext";
    public static final String SELF_DEFINE = "selfDefineContentString";
    public static final String ACTION_MI = "com.xiaomi.mipush.RECEIVE_MESSAGE";
    public static final String ACTION_MEIZU = "com.meizu.flyme.push.intent.MESSAGE";

    private ExtExtractor() {
    }

    /** An ext found, and where. */
    public static final class Found {
        public final String via;
        public final String value;

        public Found(String via, String value) {
            this.via = via;
            this.value = value;
        }

        @Override
        public String toString() {
            return via + ":" + value;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Found && ((Found) o).via.equals(via) && ((Found) o).value.equals(value);
        }

        @Override
        public int hashCode() {
            return via.hashCode() * 31 + value.hashCode();
        }
    }

    /** Extras that are the platform's or pushlab's own, never the sender's. */
    static boolean reserved(String key) {
        return key.startsWith("pushlab.") || key.startsWith("google.") || key.startsWith("gcm.")
                || key.startsWith("android.") || key.equals("from") || key.equals("collapse_key")
                || key.equals(KEY_MESSAGE) || key.equals(EXT) || key.equals("method");
    }

    /** The ext in the extras of an activity a notification tap opened. */
    public static List<Found> fromActivity(Map<String, Object> extras) {
        List<Found> out = new ArrayList<Found>();
        Object ext = extras.get(EXT);
        if (ext instanceof String) {
            out.add(new Found("intent_extra", (String) ext));
        }
        String mi = miExt(extras.get(KEY_MESSAGE));
        if (mi != null) {
            out.add(new Found("mipush_message", mi));
        }
        if (out.isEmpty()) {
            Map<String, Object> own = new TreeMap<String, Object>();
            // The vendors spread a JSON ext as string extras; other typed
            // extras are the app's own, not the sender's ext.
            for (Map.Entry<String, Object> e : extras.entrySet()) {
                if (!reserved(e.getKey()) && e.getValue() instanceof String) {
                    own.put(e.getKey(), e.getValue());
                }
            }
            if (!own.isEmpty()) {
                out.add(new Found("intent_extras", Json.write(own)));
            }
        }
        return out;
    }

    /** The ext in a vendor SDK callback broadcast. */
    public static List<Found> fromCallback(String action, Map<String, Object> extras) {
        List<Found> out = new ArrayList<Found>();
        if (ACTION_MEIZU.equals(action)) {
            Object sd = extras.get(SELF_DEFINE);
            if (sd instanceof String && !((String) sd).isEmpty()) {
                out.add(new Found("self_define_content", meizuExt((String) sd)));
            }
            return out;
        }
        Object ext = extras.get(EXT);
        if (ext instanceof String) {
            out.add(new Found("callback_params", (String) ext));
            return out;
        }
        // onNotificationMessageClicked(context, miPushMessage).
        String mi = miExt(extras.get(KEY_MESSAGE));
        if (mi != null) {
            out.add(new Found("mipush_message", mi));
        }
        return out;
    }

    /** {@code extra.ext} of a MiPushMessage carried as JSON, or null. */
    static String miExt(Object keyMessage) {
        if (!(keyMessage instanceof String)) {
            return null;
        }
        try {
            Map<String, Object> msg = Json.parseObject((String) keyMessage);
            Object extra = msg.get("extra");
            if (extra instanceof Map) {
                Object ext = Json.asObject(extra, "extra").get(EXT);
                if (ext instanceof String) {
                    return (String) ext;
                }
            }
        } catch (JsonException notJson) {
            return null;
        }
        return null;
    }

    /** Meizu's parameters JSON: its {@code ext} when it has one, else the whole string. */
    static String meizuExt(String selfDefine) {
        try {
            Map<String, Object> m = Json.parseObject(selfDefine);
            Object ext = m.get(EXT);
            if (ext instanceof String) {
                return (String) ext;
            }
            if (ext != null && ext != Json.NULL) {
                return Json.write(ext);
            }
        } catch (JsonException notJson) {
            return selfDefine;
        }
        return selfDefine;
    }
}
