package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** One line of {@code GET /gateway/v1/stream?device=…}. */
public final class StreamItem {
    public enum Type {
        HELLO("hello"),
        DISPLAY("display"),
        TAP("tap"),
        CLEAR("clear"),
        PING("ping");

        public final String wire;

        Type(String wire) {
            this.wire = wire;
        }
    }

    public final Type type;
    /** For hello. */
    public final String device;
    /** For display. */
    public final DisplayInstruction instruction;
    /** For tap (always) and clear (null clears all). */
    public final String messageId;

    private StreamItem(Type type, String device, DisplayInstruction instruction, String messageId) {
        this.type = type;
        this.device = device;
        this.instruction = instruction;
        this.messageId = messageId;
    }

    public static StreamItem hello(String device) {
        return new StreamItem(Type.HELLO, device, null, null);
    }

    public static StreamItem display(DisplayInstruction d) {
        return new StreamItem(Type.DISPLAY, null, d, null);
    }

    public static StreamItem tap(String messageId) {
        return new StreamItem(Type.TAP, null, null, messageId);
    }

    public static StreamItem clear(String messageIdOrNull) {
        return new StreamItem(Type.CLEAR, null, null, messageIdOrNull);
    }

    public static StreamItem ping() {
        return new StreamItem(Type.PING, null, null, null);
    }

    /** Parses one stream line. */
    public static StreamItem parseLine(String line) throws JsonException {
        return fromJson(Json.parseObject(line));
    }

    public static StreamItem fromJson(Map<String, Object> m) throws JsonException {
        String type = Json.str(m, "type");
        if ("hello".equals(type)) {
            return hello(Json.str(m, "device"));
        } else if ("display".equals(type)) {
            return display(DisplayInstruction.fromJson(Json.obj(m, "instruction")));
        } else if ("tap".equals(type)) {
            return tap(Json.str(m, "message_id"));
        } else if ("clear".equals(type)) {
            return clear(Json.optStr(m, "message_id"));
        } else if ("ping".equals(type)) {
            return ping();
        }
        throw new JsonException("unknown stream item type: " + type);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("type", type.wire);
        switch (type) {
            case HELLO:
                m.put("device", device);
                break;
            case DISPLAY:
                m.put("instruction", instruction.toJson());
                break;
            case TAP:
                m.put("message_id", messageId);
                break;
            case CLEAR:
                if (messageId != null) {
                    m.put("message_id", messageId);
                }
                break;
            default:
                break;
        }
        return m;
    }
}
