package com.pushlab.core;

import java.util.ArrayList;
import java.util.List;

/**
 * How the push service carries out one DisplayInstruction, decided without
 * any Android API: whether to post or drop, the notification's fields, the
 * tap intent and the callback broadcasts. The Android side only turns this
 * into Notification, Intent and PendingIntent objects.
 */
public final class DisplayPlan {
    /** The string extra that ties app reports to the message in the journal. */
    public static final String EXTRA_MESSAGE_ID = "pushlab.message_id";
    /** Notification extra naming the app the notification stands for. */
    public static final String EXTRA_TARGET_PACKAGE = "pushlab.target_package";
    public static final String ACTION_MAIN = "android.intent.action.MAIN";
    public static final String ACTION_VIEW = "android.intent.action.VIEW";
    public static final String CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER";
    public static final String CATEGORY_BROWSABLE = "android.intent.category.BROWSABLE";
    public static final String FCM_TITLE = "gcm.notification.title";
    public static final String FCM_BODY = "gcm.notification.body";
    public static final String FCM_CHANNEL = "gcm.notification.android_channel_id";
    public static final String FCM_CLICK_ACTION = "gcm.notification.click_action";

    /** What to do with the notification. */
    public enum Disposition {
        /** Post it (system push service). */
        POST,
        /** Drop it, reporting {@link #dropCode}. */
        DROP,
        /** Hand it to the app's SDK by broadcast (FCM); the app posts it. */
        APP_SDK
    }

    /** The tap intent, as plain data. */
    public static final class Tap {
        public ClickRoute.Kind kind;
        /** The package the intent is for (launcher lookup, action restriction). */
        public String targetPackage;
        /** INTENT_URI: the URI exactly as sent, for {@code Intent.parseUri(uri, URI_INTENT_SCHEME)}. */
        public String uri;
        /** COMPONENT: package and fully qualified class. */
        public String componentPackage;
        public String componentClass;
        /** ACTION: the action; the intent is restricted to {@link #targetPackage}. */
        public String action;
        /** URL: the web address for ACTION_VIEW. */
        public String url;
        /** Extras to put on the intent (filtered, plus the message id). */
        public List<Extra> extras = new ArrayList<Extra>();
        /** Keys of extras this device loses (it lacks what they require). */
        public List<String> lostKeys = new ArrayList<String>();
        /** Non-null when extras are lost: the diagnosis the device reports. */
        public String lostCode;
        /** Non-null when the route cannot work (e.g. an unparsable component). */
        public String invalidCode;
        public String invalidDetail;
    }

    /** One callback broadcast, as plain data. */
    public static final class Callback {
        public String action;
        /** Explicit receiver, or null for a broadcast to {@link #targetPackage}. */
        public String componentPackage;
        public String componentClass;
        public String targetPackage;
        public CallbackBroadcast.Trigger on;
        public List<Extra> extras = new ArrayList<Extra>();
        /** Add FLAG_INCLUDE_STOPPED_PACKAGES exactly when true. */
        public boolean includeStoppedPackages;
    }

    public String messageId;
    /** The vendor whose push this is: the app reads the tap's extras by its rules. */
    public Vendor vendor;
    public String targetPackage;
    public Disposition disposition;
    public String dropCode;
    public String dropDetail;
    public String title;
    public String text;
    /** The channel to post on (the target's channel id). */
    public String channelId;
    /** The notification id: notify_id, else a stable number from the message id. */
    public int notifyId;
    public Tap tap;
    public List<Callback> arrived = new ArrayList<Callback>();
    public List<Callback> clicked = new ArrayList<Callback>();

    /**
     * Plans an instruction for a device.
     *
     * @param apiLevel the device's API level (channels from 26)
     * @param dropsHuaweiPassthrough the device loses extras that require it
     */
    public static DisplayPlan plan(DisplayInstruction d, int apiLevel, boolean dropsHuaweiPassthrough) {
        DisplayPlan p = new DisplayPlan();
        p.messageId = d.messageId;
        p.vendor = d.vendor;
        p.targetPackage = d.packageName;
        p.title = d.notification.title;
        p.text = d.notification.text;
        p.channelId = d.notification.channelId;
        p.notifyId = d.notification.notifyId != null ? d.notification.notifyId : stableId(d.messageId);
        p.tap = tap(d, dropsHuaweiPassthrough);
        for (CallbackBroadcast c : d.callbacks) {
            Callback cb = callback(d, c);
            if (c.on == CallbackBroadcast.Trigger.ARRIVED) {
                p.arrived.add(cb);
            } else {
                p.clicked.add(cb);
            }
        }
        if (d.poster == DisplayInstruction.Poster.APP_SDK) {
            p.disposition = Disposition.APP_SDK;
            for (Callback cb : p.arrived) {
                cb.extras.add(Extra.string(FCM_TITLE, d.notification.title));
                cb.extras.add(Extra.string(FCM_BODY, d.notification.text));
                if (d.notification.channelId != null) {
                    cb.extras.add(Extra.string(FCM_CHANNEL, d.notification.channelId));
                }
                if (d.click.kind == ClickRoute.Kind.ACTION) {
                    cb.extras.add(Extra.string(FCM_CLICK_ACTION, d.click.argument));
                }
            }
        } else if (apiLevel >= 26 && d.notification.channelId == null) {
            p.disposition = Disposition.DROP;
            p.dropCode = "device.channel_missing";
            p.dropDetail = "No Channel found for pkg=" + d.packageName + ", channelId=null";
        } else {
            p.disposition = Disposition.POST;
        }
        return p;
    }

    private static Tap tap(DisplayInstruction d, boolean dropsHuaweiPassthrough) {
        Tap t = new Tap();
        t.kind = d.click.kind;
        t.targetPackage = d.packageName;
        switch (d.click.kind) {
            case INTENT_URI:
                t.uri = d.click.argument;
                break;
            case COMPONENT:
                String[] c = splitComponent(d.click.argument);
                if (c == null) {
                    t.invalidCode = "device.activity_not_found";
                    t.invalidDetail = "bad component: " + d.click.argument;
                } else {
                    t.componentPackage = c[0];
                    t.componentClass = c[1];
                }
                break;
            case ACTION:
                t.action = d.click.argument;
                break;
            case URL:
                t.url = d.click.argument;
                if (!isWebUrl(t.url)) {
                    t.invalidCode = "device.url_invalid";
                    t.invalidDetail = "not a web URL: " + t.url;
                }
                break;
            default:
                break;
        }
        for (Extra e : d.extras) {
            if (Extra.REQUIRES_HUAWEI_PASSTHROUGH.equals(e.requires) && dropsHuaweiPassthrough) {
                t.lostKeys.add(e.key);
                continue;
            }
            t.extras.add(e);
        }
        if (!t.lostKeys.isEmpty()) {
            t.lostCode = "huawei.passthrough_unsupported";
        }
        t.extras.add(Extra.string(EXTRA_MESSAGE_ID, d.messageId));
        return t;
    }

    private static Callback callback(DisplayInstruction d, CallbackBroadcast c) {
        Callback cb = new Callback();
        cb.action = c.action;
        cb.on = c.on;
        cb.targetPackage = d.packageName;
        if (c.component != null) {
            String[] parts = splitComponent(c.component);
            if (parts != null) {
                cb.componentPackage = parts[0];
                cb.componentClass = parts[1];
            }
        }
        cb.extras.addAll(c.extras);
        cb.extras.add(Extra.string(EXTRA_MESSAGE_ID, d.messageId));
        cb.includeStoppedPackages = c.includeStoppedPackages;
        return cb;
    }

    /** {@code pkg/cls} (or {@code pkg/.Cls}) as {package, fully qualified class}; null if malformed. */
    public static String[] splitComponent(String s) {
        if (s == null) {
            return null;
        }
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1) {
            return null;
        }
        String pkg = s.substring(0, slash);
        String cls = s.substring(slash + 1);
        if (cls.startsWith(".")) {
            cls = pkg + cls;
        }
        return new String[] {pkg, cls};
    }

    static boolean isWebUrl(String url) {
        if (url == null) {
            return false;
        }
        String u = url.trim().toLowerCase(java.util.Locale.ROOT);
        return (u.startsWith("http://") || u.startsWith("https://")) && u.length() > u.indexOf("//") + 2;
    }

    /** A notification id from the message id that stays the same across runs. */
    public static int stableId(String messageId) {
        int h = 0;
        for (int i = 0; i < messageId.length(); i++) {
            h = 31 * h + messageId.charAt(i);
        }
        return h & 0x7fffffff;
    }
}
