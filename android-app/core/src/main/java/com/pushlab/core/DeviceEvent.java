package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One device event for {@code POST /gateway/v1/events}:
 * {@code {message_id?, device, reporter, kind, detail?}}.
 */
public final class DeviceEvent {
    public static final String PUSH_SERVICE = "push_service";
    public static final String APP = "app";

    /** The event kinds and the detail fields each one requires. */
    public enum Kind {
        RECEIVED("received"),
        POSTED("posted", "title", "text"),
        DROPPED("dropped", "code"),
        REMOVED("removed"),
        CLICKED("clicked"),
        ACTIVITY_STARTED("activity_started", "component"),
        URL_OPENED("url_opened", "url", "package"),
        CLICK_FAILED("click_failed", "code"),
        CALLBACK_RECEIVED("callback_received", "action"),
        EXT_RECEIVED("ext_received", "via", "value"),
        EXT_DROPPED("ext_dropped", "code"),
        BADGE_SET("badge_set", "class");

        public final String wire;
        final String[] required;

        Kind(String wire, String... required) {
            this.wire = wire;
            this.required = required;
        }

        /** Kinds without any detail are written without a detail object. */
        boolean hasDetail() {
            return this != RECEIVED && this != CLICKED;
        }

        static Kind parse(String s) throws JsonException {
            for (Kind k : values()) {
                if (k.wire.equals(s)) {
                    return k;
                }
            }
            throw new JsonException("unknown event kind: " + s);
        }
    }

    public final String messageId;
    public final String device;
    public final String reporter;
    public final Kind kind;
    /** Detail fields (strings or null), in order. */
    public final Map<String, Object> detail;

    public DeviceEvent(String messageId, String device, String reporter, Kind kind, Map<String, Object> detail) {
        this.messageId = messageId;
        this.device = device;
        this.reporter = reporter;
        this.kind = kind;
        this.detail = detail == null ? new LinkedHashMap<String, Object>() : detail;
    }

    private static DeviceEvent of(String reporter, String id, String device, Kind kind, String... kv) {
        Map<String, Object> d = new LinkedHashMap<String, Object>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            d.put(kv[i], kv[i + 1] == null ? Json.NULL : kv[i + 1]);
        }
        return new DeviceEvent(id, device, reporter, kind, d);
    }

    public static DeviceEvent received(String id, String device) {
        return of(PUSH_SERVICE, id, device, Kind.RECEIVED);
    }

    public static DeviceEvent posted(String id, String device, String title, String text, String channelId, String key) {
        return of(PUSH_SERVICE, id, device, Kind.POSTED, "title", title, "text", text, "channel_id", channelId, "key", key);
    }

    public static DeviceEvent dropped(String id, String device, String code, String detail) {
        return of(PUSH_SERVICE, id, device, Kind.DROPPED, "code", code, "detail", detail);
    }

    public static DeviceEvent removed(String id, String device, String reason) {
        return of(PUSH_SERVICE, id, device, Kind.REMOVED, "reason", reason);
    }

    public static DeviceEvent clicked(String id, String device) {
        return of(PUSH_SERVICE, id, device, Kind.CLICKED);
    }

    public static DeviceEvent urlOpened(String id, String device, String url, String pkg) {
        return of(PUSH_SERVICE, id, device, Kind.URL_OPENED, "url", url, "package", pkg);
    }

    public static DeviceEvent clickFailed(String id, String device, String code, String detail) {
        return of(PUSH_SERVICE, id, device, Kind.CLICK_FAILED, "code", code, "detail", detail);
    }

    /** The device lost (part of) the ext before the app could read it. */
    public static DeviceEvent extDropped(String id, String device, String code, String detail) {
        return of(PUSH_SERVICE, id, device, Kind.EXT_DROPPED, "code", code, "detail", detail);
    }

    public static DeviceEvent activityStarted(String id, String device, String component) {
        return of(APP, id, device, Kind.ACTIVITY_STARTED, "component", component);
    }

    public static DeviceEvent callbackReceived(String id, String device, String action) {
        return of(APP, id, device, Kind.CALLBACK_RECEIVED, "action", action);
    }

    /**
     * A vendor broadcast reached the app and its SDK receiver called
     * {@code callback} ({@link SdkCallbacks#dispatched}; null: none).
     */
    public static DeviceEvent callbackReceived(String id, String device, String action, String callback) {
        DeviceEvent e = of(APP, id, device, Kind.CALLBACK_RECEIVED, "action", action);
        if (callback != null) {
            e.detail.put("callback", callback);
        }
        return e;
    }

    /** The push service set the app's launcher badge: the activity class and the number shown. */
    public static DeviceEvent badgeSet(String id, String device, String cls, long number) {
        DeviceEvent e = of(PUSH_SERVICE, id, device, Kind.BADGE_SET, "class", cls);
        e.detail.put("number", Long.valueOf(number));
        return e;
    }

    public static DeviceEvent extReceived(String id, String device, String via, String value) {
        return of(APP, id, device, Kind.EXT_RECEIVED, "via", via, "value", value);
    }

    public static DeviceEvent fromJson(Map<String, Object> m) throws JsonException {
        Kind kind = Kind.parse(Json.str(m, "kind"));
        String reporter = Json.optStr(m, "reporter");
        if (reporter == null) {
            reporter = PUSH_SERVICE;
        } else if (!reporter.equals(PUSH_SERVICE) && !reporter.equals(APP)) {
            throw new JsonException("unknown reporter: " + reporter);
        }
        Map<String, Object> detail = new LinkedHashMap<String, Object>();
        Object d = m.get("detail");
        if (d != null && d != Json.NULL) {
            detail.putAll(Json.asObject(d, "detail"));
        }
        for (String f : kind.required) {
            Json.str(detail, f);
        }
        String device = Json.optStr(m, "device");
        return new DeviceEvent(Json.optStr(m, "message_id"), device == null ? "" : device, reporter, kind, detail);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        if (messageId != null) {
            m.put("message_id", messageId);
        }
        m.put("device", device);
        m.put("reporter", reporter);
        m.put("kind", kind.wire);
        if (kind.hasDetail()) {
            m.put("detail", detail);
        }
        return m;
    }
}
