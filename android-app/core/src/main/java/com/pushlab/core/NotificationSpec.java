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
    /** Huawei's badge.add_num and badge.set_num (null when not given). */
    public Integer badgeAddNum;
    public Integer badgeSetNum;

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
        n.badgeAddNum = optCount(m, "badge_add_num");
        n.badgeSetNum = optCount(m, "badge_set_num");
        return n;
    }

    private static Integer optCount(Map<String, Object> m, String key) throws JsonException {
        Long v = Json.optLong(m, key);
        if (v == null) {
            return null;
        }
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new JsonException(key + " out of range");
        }
        return v.intValue();
    }

    /**
     * The badge number after this notification, from the last one shown:
     * {@code badge_set_num}, else the last plus {@code badge_add_num} (1 when
     * not given), as HMS Core counts.
     */
    public int nextBadgeNumber(int last) {
        if (badgeSetNum != null) {
            return badgeSetNum;
        }
        return last + (badgeAddNum != null ? badgeAddNum : 1);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("title", title);
        m.put("text", text);
        m.put("channel_id", channelId == null ? Json.NULL : channelId);
        m.put("notify_id", notifyId == null ? Json.NULL : (Object) Long.valueOf(notifyId));
        m.put("badge_class", badgeClass == null ? Json.NULL : badgeClass);
        if (badgeAddNum != null) {
            m.put("badge_add_num", Long.valueOf(badgeAddNum));
        }
        if (badgeSetNum != null) {
            m.put("badge_set_num", Long.valueOf(badgeSetNum));
        }
        return m;
    }
}
