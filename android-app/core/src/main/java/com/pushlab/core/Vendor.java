package com.pushlab.core;

/** The push vendors the hub serves, by their wire names. */
public enum Vendor {
    XIAOMI("xiaomi"),
    HUAWEI("huawei"),
    OPPO("oppo"),
    VIVO("vivo"),
    MEIZU("meizu"),
    FCM("fcm");

    public final String wire;

    Vendor(String wire) {
        this.wire = wire;
    }

    public static Vendor parse(String s) throws JsonException {
        for (Vendor v : values()) {
            if (v.wire.equals(s)) {
                return v;
            }
        }
        throw new JsonException("unknown vendor: " + s);
    }
}
