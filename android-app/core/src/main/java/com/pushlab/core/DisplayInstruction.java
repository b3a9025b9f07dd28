package com.pushlab.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the device's push service must do for one accepted push. */
public final class DisplayInstruction {
    /** Who posts the notification. */
    public enum Poster {
        /** The ROM's push service, on the app's behalf. */
        SYSTEM_SERVICE("system_service"),
        /** The app's own SDK after a broadcast wakes it (FCM). */
        APP_SDK("app_sdk");

        public final String wire;

        Poster(String wire) {
            this.wire = wire;
        }
    }

    public String messageId;
    public Vendor vendor;
    public String packageName;
    public String token;
    public NotificationSpec notification;
    public Poster poster = Poster.SYSTEM_SERVICE;
    public ClickRoute click;
    public List<Extra> extras = new ArrayList<Extra>();
    public List<CallbackBroadcast> callbacks = new ArrayList<CallbackBroadcast>();
    public String ext;

    public static DisplayInstruction fromJson(Map<String, Object> m) throws JsonException {
        DisplayInstruction d = new DisplayInstruction();
        d.messageId = Json.str(m, "message_id");
        d.vendor = Vendor.parse(Json.str(m, "vendor"));
        d.packageName = Json.str(m, "package");
        d.token = Json.str(m, "token");
        d.notification = NotificationSpec.fromJson(Json.obj(m, "notification"));
        String poster = Json.optStr(m, "poster");
        if (poster != null) {
            if (poster.equals(Poster.APP_SDK.wire)) {
                d.poster = Poster.APP_SDK;
            } else if (!poster.equals(Poster.SYSTEM_SERVICE.wire)) {
                throw new JsonException("unknown poster: " + poster);
            }
        }
        d.click = ClickRoute.fromJson(Json.obj(m, "click"));
        d.extras = Extra.listFromJson(Json.optList(m, "extras"));
        for (Object o : Json.optList(m, "callbacks")) {
            d.callbacks.add(CallbackBroadcast.fromJson(Json.asObject(o, "callback")));
        }
        d.ext = Json.optStr(m, "ext");
        return d;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("message_id", messageId);
        m.put("vendor", vendor.wire);
        m.put("package", packageName);
        m.put("token", token);
        m.put("notification", notification.toJson());
        m.put("poster", poster.wire);
        m.put("click", click.toJson());
        m.put("extras", Extra.listToJson(extras));
        if (!callbacks.isEmpty()) {
            List<Object> cb = new ArrayList<Object>();
            for (CallbackBroadcast c : callbacks) {
                cb.add(c.toJson());
            }
            m.put("callbacks", cb);
        }
        if (ext != null) {
            m.put("ext", ext);
        }
        return m;
    }
}
