package com.pushlab.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One typed extra for a tap intent or a callback broadcast, as the gateway
 * sends it: {@code {"key", "value": {"type", "value"}, "requires"?}}.
 */
public final class Extra {
    /** The Bundle types an extra can have. */
    public enum Type {
        STRING("string"),
        BOOLEAN("boolean"),
        BYTE("byte"),
        CHAR("char"),
        DOUBLE("double"),
        FLOAT("float"),
        INT("int"),
        LONG("long"),
        SHORT("short");

        public final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        public static Type parse(String s) throws JsonException {
            for (Type t : values()) {
                if (t.wire.equals(s)) {
                    return t;
                }
            }
            throw new JsonException("unknown extra type: " + s);
        }
    }

    /** The only requirement the protocol knows: Huawei data survives a tap. */
    public static final String REQUIRES_HUAWEI_PASSTHROUGH = "huawei_passthrough";

    public final String key;
    public final Type type;
    /** String, Boolean, Byte, Character, Double, Float, Integer, Long or Short. */
    public final Object value;
    /** {@code null}, or {@link #REQUIRES_HUAWEI_PASSTHROUGH}. */
    public final String requires;

    public Extra(String key, Type type, Object value, String requires) {
        this.key = key;
        this.type = type;
        this.value = value;
        this.requires = requires;
    }

    public static Extra string(String key, String value) {
        return new Extra(key, Type.STRING, value, null);
    }

    public static Extra fromJson(Map<String, Object> m) throws JsonException {
        String key = Json.str(m, "key");
        Map<String, Object> v = Json.obj(m, "value");
        Type t = Type.parse(Json.str(v, "type"));
        Object raw = v.get("value");
        String requires = Json.optStr(m, "requires");
        if (requires != null && !REQUIRES_HUAWEI_PASSTHROUGH.equals(requires)) {
            throw new JsonException("unknown requirement: " + requires);
        }
        return new Extra(key, t, typed(t, raw), requires);
    }

    private static Object typed(Type t, Object raw) throws JsonException {
        switch (t) {
            case STRING:
                if (raw instanceof String) {
                    return raw;
                }
                break;
            case BOOLEAN:
                if (raw instanceof Boolean) {
                    return raw;
                }
                break;
            case CHAR:
                if (raw instanceof String && ((String) raw).length() == 1) {
                    return ((String) raw).charAt(0);
                }
                break;
            case DOUBLE:
                if (raw instanceof Number) {
                    return ((Number) raw).doubleValue();
                }
                break;
            case FLOAT:
                if (raw instanceof Number) {
                    return ((Number) raw).floatValue();
                }
                break;
            case BYTE:
                if (raw instanceof Long && (Long) raw >= Byte.MIN_VALUE && (Long) raw <= Byte.MAX_VALUE) {
                    return ((Long) raw).byteValue();
                }
                break;
            case SHORT:
                if (raw instanceof Long && (Long) raw >= Short.MIN_VALUE && (Long) raw <= Short.MAX_VALUE) {
                    return ((Long) raw).shortValue();
                }
                break;
            case INT:
                if (raw instanceof Long && (Long) raw >= Integer.MIN_VALUE && (Long) raw <= Integer.MAX_VALUE) {
                    return ((Long) raw).intValue();
                }
                break;
            case LONG:
                if (raw instanceof Long) {
                    return raw;
                }
                break;
            default:
                break;
        }
        throw new JsonException("extra value does not fit its type " + t.wire);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> v = new LinkedHashMap<String, Object>();
        v.put("type", type.wire);
        v.put("value", value instanceof Character ? String.valueOf(value) : value);
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("key", key);
        m.put("value", v);
        if (requires != null) {
            m.put("requires", requires);
        }
        return m;
    }

    /** The value as {@code String.valueOf} prints it. */
    public String valueString() {
        return String.valueOf(value);
    }

    static List<Extra> listFromJson(List<Object> a) throws JsonException {
        List<Extra> out = new ArrayList<Extra>();
        for (Object o : a) {
            out.add(fromJson(Json.asObject(o, "extra")));
        }
        return out;
    }

    static List<Object> listToJson(List<Extra> extras) {
        List<Object> out = new ArrayList<Object>();
        for (Extra e : extras) {
            out.add(e.toJson());
        }
        return out;
    }

    @Override
    public String toString() {
        return key + "=" + type.wire + ":" + value;
    }
}
