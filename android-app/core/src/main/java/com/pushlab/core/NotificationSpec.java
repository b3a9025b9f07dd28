package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** The notification as it should appear. */
public final class NotificationSpec {
    public String title = "";
    public String text = "";
    /** Null posts without a channel (dropped on API 26+). */
    public String channelId;
    public Integer notifyId;
    public String badgeClass;

    public static NotificationSpec fromJson(Map<String, Object> m) throws JsonException {
        NotificationSpec n = new NotificationSpec();
        String s;
        n.title = (s = Json.optStr(m, "title")) == null ? "" : s;
        n.text = (s = Json.optStr(m, "text")) == null ? "" : s;
        n.channelId = Json.optStr(m, "channel_id");
        Long id = Json.optLong(m, "notify_id");
        if (id != null) {
            if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE) {
                throw new JsonException("notify_id out of range");
            }
            n.notifyId = id.intValue();
        }
        n.badgeClass = Json.optStr(m, "badge_class");
        return n;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("title", title);
        m.put("text", text);
        m.put("channel_id", channelId == null ? Json.NULL : channelId);
        m.put("notify_id", notifyId == null ? Json.NULL : (Object) Long.valueOf(notifyId));
        m.put("badge_class", badgeClass == null ? Json.NULL : badgeClass);
        return m;
    }
}
