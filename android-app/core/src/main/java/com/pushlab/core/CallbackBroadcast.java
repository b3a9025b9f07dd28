package com.pushlab.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A broadcast the vendor's push service sends to the app's SDK receiver. */
public final class CallbackBroadcast {
    /** When the broadcast is sent. */
    public enum Trigger {
        ARRIVED("arrived"),
        CLICKED("clicked");

        public final String wire;

        Trigger(String wire) {
            this.wire = wire;
        }

        static Trigger parse(String s) throws JsonException {
            for (Trigger t : values()) {
                if (t.wire.equals(s)) {
                    return t;
                }
            }
            throw new JsonException("unknown callback trigger: " + s);
        }
    }

    public String action;
    /** Explicit receiver {@code pkg/cls}, or null. */
    public String component;
    public Trigger on;
    public List<Extra> extras = new ArrayList<Extra>();
    public boolean includeStoppedPackages;

    public static CallbackBroadcast fromJson(Map<String, Object> m) throws JsonException {
        CallbackBroadcast c = new CallbackBroadcast();
        c.action = Json.str(m, "action");
        c.component = Json.optStr(m, "component");
        c.on = Trigger.parse(Json.str(m, "on"));
        c.extras = Extra.listFromJson(Json.optList(m, "extras"));
        c.includeStoppedPackages = Json.optBool(m, "include_stopped_packages");
        return c;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("action", action);
        if (component != null) {
            m.put("component", component);
        }
        m.put("on", on.wire);
        m.put("extras", Extra.listToJson(extras));
        m.put("include_stopped_packages", includeStoppedPackages);
        return m;
    }
}
