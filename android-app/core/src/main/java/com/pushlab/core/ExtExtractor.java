package com.pushlab.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the demo app finds the sender's {@code ext}, vendor by vendor,
 * exactly as each vendor's path hands it over, and the {@code via} it
 * reports (docs/device-side.md):
 * <ul>
 * <li>{@code intent_extra}: the {@code ext} extra of the opened activity (Huawei's data, FCM's
 * {@code data.ext}, Meizu's {@code parameters.ext});</li>
 * <li>{@code intent_extras}: OPPO puts each key of a JSON ext as its own string extra (as do
 * Huawei's intent-URI extras); reported as the JSON object of them (sorted keys);</li>
 * <li>{@code mipush_message}: {@code extra.ext} of the MiPushMessage under {@code key_message}
 * (on the opened activity, or in Mi's click callback);</li>
 * <li>{@code callback_params}: the params of a click callback (vivo's {@code ext} param, a plain
 * {@code ext} extra of Mi's callback);</li>
 * <li>{@code self_define_content}: Meizu's {@code selfDefineContentString}.</li>
 * </ul>
 * Next to the sender's content each vendor's path puts a few keys of its own. Only those of the
 * vendor that delivered the message are stripped ({@link #reserved}): a key that is another
 * vendor's reserved name (an OPPO ext with {@code from} or {@code ext}) is the sender's. The
 * simulator's model ({@code src/sim/apps/ext.rs}) keeps the same list, and
 * {@code fixtures/ext-vectors.json} holds both to it.
 */
public final class ExtExtractor {
    public static final String KEY_MESSAGE = "key_message";
    public static final String EXT = "ext";
    public static final String SELF_DEFINE = "selfDefineContentString";
    public static final String ACTION_MI = "com.xiaomi.mipush.RECEIVE_MESSAGE";
    public static final String ACTION_VIVO = "com.vivo.pushclient.action.RECEIVE";
    public static final String ACTION_MEIZU = "com.meizu.flyme.push.intent.MESSAGE";
    public static final String ACTION_FCM = "com.google.android.c2dm.intent.RECEIVE";
    public static final String ACTION_HUAWEI = "com.huawei.push.action.MESSAGING_EVENT";

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

    /**
     * Whether {@code key} is the push service's or {@code vendor}'s own, not the sender's.
     * {@code vendor} null (unknown) reserves only the push service's key. Per vendor:
     * <ul>
     * <li>every vendor: {@code pushlab.message_id}, which the push service adds to every tap
     * intent and callback to tie the app's reports to the message;</li>
     * <li>Xiaomi: {@code key_message} ({@code PushMessageHelper.KEY_MESSAGE}), the MiPushMessage
     * the ext travels in;</li>
     * <li>Huawei: {@code ext}, the whole notification data, which the member keys repeat;</li>
     * <li>OPPO: none; every other extra is a key of the sender's {@code action_parameters};</li>
     * <li>vivo: none; the ext reaches the app in the click callback's {@code ext} param only;</li>
     * <li>Meizu: {@code ext} (the IM server's one parameter), and on the tap broadcast
     * {@code method} and {@code selfDefineContentString};</li>
     * <li>FCM: the keys the SDK adds next to the data pairs and forbids as data keys:
     * {@code from}, {@code collapse_key}, {@code message_type}, {@code google.*},
     * {@code gcm.*}.</li>
     * </ul>
     */
    public static boolean reserved(Vendor vendor, String key) {
        if (DisplayPlan.EXTRA_MESSAGE_ID.equals(key)) {
            return true;
        }
        if (vendor == null) {
            return false;
        }
        switch (vendor) {
            case XIAOMI:
                return key.equals(KEY_MESSAGE);
            case HUAWEI:
                return key.equals(EXT);
            case MEIZU:
                return key.equals(EXT) || key.equals("method") || key.equals(SELF_DEFINE);
            case FCM:
                return key.equals("from") || key.equals("collapse_key") || key.equals("message_type")
                        || key.startsWith("google.") || key.startsWith("gcm.");
            case OPPO:
            case VIVO:
            default:
                return false;
        }
    }

    /**
     * Every ext in the extras of an activity a tap of {@code vendor}'s notification opened.
     * {@code vendor} null: the app does not know the vendor, and reads every place any vendor
     * uses, with only the push service's key reserved.
     */
    public static List<Found> fromActivity(Vendor vendor, Map<String, Object> extras) {
        List<Found> out = new ArrayList<Found>();
        if (vendor == null) {
            addIfFound(out, extExtra(extras));
            addIfFound(out, miFound(extras));
            if (out.isEmpty()) {
                addIfFound(out, eachKey(null, extras));
            }
            return out;
        }
        switch (vendor) {
            case XIAOMI:
                addIfFound(out, miFound(extras));
                break;
            case HUAWEI:
            case MEIZU:
            case FCM:
                Found ext = extExtra(extras);
                addIfFound(out, ext != null ? ext : eachKey(vendor, extras));
                break;
            case OPPO:
                addIfFound(out, eachKey(vendor, extras));
                break;
            case VIVO:
            default:
                break;
        }
        return out;
    }

    /** The vendor whose SDK receiver listens on a callback broadcast's action, or null. */
    public static Vendor callbackVendor(String action) {
        if (ACTION_MI.equals(action)) {
            return Vendor.XIAOMI;
        }
        if (ACTION_VIVO.equals(action)) {
            return Vendor.VIVO;
        }
        if (ACTION_MEIZU.equals(action)) {
            return Vendor.MEIZU;
        }
        if (ACTION_FCM.equals(action)) {
            return Vendor.FCM;
        }
        if (ACTION_HUAWEI.equals(action)) {
            return Vendor.HUAWEI;
        }
        return null;
    }

    /** The ext in a vendor SDK callback broadcast; its action says whose callback it is. */
    public static List<Found> fromCallback(String action, Map<String, Object> extras) {
        Vendor vendor = callbackVendor(action);
        if (vendor == null) {
            return Collections.emptyList();
        }
        List<Found> out = new ArrayList<Found>();
        switch (vendor) {
            case XIAOMI: {
                // onNotificationMessageClicked(context, miPushMessage).
                Found mi = miFound(extras);
                if (mi == null && extras.get(EXT) instanceof String) {
                    mi = new Found("callback_params", (String) extras.get(EXT));
                }
                addIfFound(out, mi);
                break;
            }
            case VIVO:
                // onNotificationMessageClicked(context, upsNotificationMessage): getParams().get("ext").
                if (extras.get(EXT) instanceof String) {
                    out.add(new Found("callback_params", (String) extras.get(EXT)));
                }
                break;
            case MEIZU: {
                // onNotificationClicked(context, mzPushMessage): getSelfDefineContentString().
                Object sd = extras.get(SELF_DEFINE);
                if (sd instanceof String && !((String) sd).isEmpty()) {
                    out.add(new Found("self_define_content", meizuExt((String) sd)));
                }
                break;
            }
            default:
                // FCM's wake-up broadcast and HMS's messaging event are not where the guides read a
                // notification's ext: the opened activity is.
                break;
        }
        return out;
    }

    private static void addIfFound(List<Found> out, Found f) {
        if (f != null) {
            out.add(f);
        }
    }

    private static Found extExtra(Map<String, Object> extras) {
        Object ext = extras.get(EXT);
        return ext instanceof String ? new Found("intent_extra", (String) ext) : null;
    }

    private static Found miFound(Map<String, Object> extras) {
        String mi = miExt(extras.get(KEY_MESSAGE));
        return mi != null ? new Found("mipush_message", mi) : null;
    }

    /** The string extras that are not {@code vendor}'s reserved ones, as one JSON object. */
    private static Found eachKey(Vendor vendor, Map<String, Object> extras) {
        Map<String, Object> own = new TreeMap<String, Object>();
        // The vendors spread a JSON ext as string extras; typed extras are the
        // app's own, not the sender's ext.
        for (Map.Entry<String, Object> e : extras.entrySet()) {
            if (!reserved(vendor, e.getKey()) && e.getValue() instanceof String) {
                own.put(e.getKey(), e.getValue());
            }
        }
        return own.isEmpty() ? null : new Found("intent_extras", Json.write(own));
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
