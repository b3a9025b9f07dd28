package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code POST /gateway/v1/register}. */
public final class RegisterRequest {
    public final String device;
    public final Vendor vendor;
    public final String packageName;
    public final DeviceInfo deviceInfo;

    public RegisterRequest(String device, Vendor vendor, String packageName, DeviceInfo deviceInfo) {
        this.device = device;
        this.vendor = vendor;
        this.packageName = packageName;
        this.deviceInfo = deviceInfo;
    }

    public static RegisterRequest fromJson(Map<String, Object> m) throws JsonException {
        Object di = m.get("device_info");
        return new RegisterRequest(
                Json.str(m, "device"),
                Vendor.parse(Json.str(m, "vendor")),
                Json.str(m, "package"),
                di == null ? new DeviceInfo() : DeviceInfo.fromJson(Json.asObject(di, "device_info")));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("device", device);
        m.put("vendor", vendor.wire);
        m.put("package", packageName);
        m.put("device_info", deviceInfo.toJson());
        return m;
    }
}
