package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where a tap goes: one of five kinds, each with its one argument. */
public final class ClickRoute {
    public enum Kind {
        LAUNCHER("launcher", null),
        INTENT_URI("intent_uri", "uri"),
        COMPONENT("component", "component"),
        ACTION("action", "action"),
        URL("url", "url");

        public final String wire;
        /** The JSON field of the argument, or null. */
        public final String field;

        Kind(String wire, String field) {
            this.wire = wire;
            this.field = field;
        }
    }

    public final Kind kind;
    /** The URI, component, action or URL; null for the launcher. */
    public final String argument;

    public ClickRoute(Kind kind, String argument) {
        this.kind = kind;
        this.argument = argument;
    }

    public static ClickRoute fromJson(Map<String, Object> m) throws JsonException {
        String type = Json.str(m, "type");
        for (Kind k : Kind.values()) {
            if (k.wire.equals(type)) {
                return new ClickRoute(k, k.field == null ? null : Json.str(m, k.field));
            }
        }
        throw new JsonException("unknown click type: " + type);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("type", kind.wire);
        if (kind.field != null) {
            m.put(kind.field, argument);
        }
        return m;
    }
}
