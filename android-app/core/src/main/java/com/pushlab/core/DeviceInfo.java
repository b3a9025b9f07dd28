package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the device tells about itself when the push service registers, read
 * from system properties ({@code getprop}) on the device.
 */
public final class DeviceInfo {
    public String brand = "";
    public String manufacturer = "";
    public String model = "";
    public long apiLevel;
    /** The vendor ROM ({@link #romFrom}): {@code miui}, {@code emui}, {@code coloros}, ... or {@code aosp}. */
    public String rom = "aosp";
    /** {@code cn} or {@code global}. */
    public String region = "global";
    public boolean vendorPush;
    /** HMS Core version code, or null. */
    public Long hmsCoreVersion;
    public boolean playServices;
    public boolean dropsHuaweiPassthrough;

    /** Reads a system property; returns "" when unset. */
    public interface Properties {
        String get(String key);
    }

    /**
     * The device's facts from its properties. {@code debug.pushlab.*}
     * properties (settable with {@code adb shell setprop}) override what an
     * emulator cannot tell, e.g. {@code debug.pushlab.region=cn}.
     *
     * @param hmsCoreVersion HMS Core's version code when installed, else null
     * @param playServices whether Google Play services are installed
     */
    public static DeviceInfo fromProperties(Properties p, Long hmsCoreVersion, boolean playServices) {
        DeviceInfo d = new DeviceInfo();
        d.brand = p.get("ro.product.brand");
        d.manufacturer = p.get("ro.product.manufacturer");
        d.model = p.get("ro.product.model");
        d.apiLevel = parseLong(p.get("ro.build.version.sdk"), 0);
        d.rom = romFrom(p);
        String region = p.get("debug.pushlab.region");
        if (region.isEmpty()) {
            String country = p.get("persist.sys.country");
            if (country.isEmpty()) {
                String locale = p.get("persist.sys.locale");
                if (locale.isEmpty()) {
                    locale = p.get("ro.product.locale");
                }
                int dash = locale.lastIndexOf('-');
                country = dash >= 0 ? locale.substring(dash + 1) : "";
            }
            region = "CN".equalsIgnoreCase(country) ? "cn" : "global";
        }
        d.region = region;
        // The agent is the push service: it serves every vendor unless told not to.
        d.vendorPush = !"false".equals(p.get("debug.pushlab.vendor_push"));
        String hms = p.get("debug.pushlab.hms_core_version");
        d.hmsCoreVersion = hms.isEmpty() ? hmsCoreVersion : Long.valueOf(parseLong(hms, 0));
        String gms = p.get("debug.pushlab.play_services");
        d.playServices = gms.isEmpty() ? playServices : "true".equals(gms);
        d.dropsHuaweiPassthrough = "true".equals(p.get("debug.pushlab.drops_huawei_passthrough"));
        return d;
    }

    /** The ROM names the hub knows; any other reads as {@code aosp}. */
    static final String[] ROMS = {
        "aosp", "miui", "hyperos", "emui", "harmonyos", "coloros", "funtouchos", "originos", "flyme",
    };

    /**
     * The vendor ROM from the properties, by the same rules as the hub's
     * {@code rom_from_props}: {@code debug.pushlab.rom} when set, else the
     * first ROM whose own version property is present (HyperOS before MIUI,
     * whose property HyperOS phones keep), else {@code aosp}.
     */
    public static String romFrom(Properties p) {
        String forced = p.get("debug.pushlab.rom").trim();
        if (!forced.isEmpty()) {
            for (String r : ROMS) {
                if (r.equalsIgnoreCase(forced)) {
                    return r;
                }
            }
            return "aosp";
        }
        if (has(p, "ro.mi.os.version.name")) {
            return "hyperos";
        } else if (has(p, "ro.miui.ui.version.name")) {
            return "miui";
        } else if (has(p, "hw_sc.build.platform.version")) {
            return "harmonyos";
        } else if (has(p, "ro.build.version.emui")) {
            return "emui";
        } else if (has(p, "ro.build.version.opporom") || has(p, "ro.build.version.oplusrom")) {
            return "coloros";
        } else if (has(p, "ro.vivo.os.version") || has(p, "ro.vivo.os.name")) {
            return p.get("ro.vivo.os.name").toLowerCase(java.util.Locale.ROOT).contains("origin")
                    ? "originos" : "funtouchos";
        } else if (p.get("ro.build.display.id").toLowerCase(java.util.Locale.ROOT).contains("flyme")) {
            return "flyme";
        }
        return "aosp";
    }

    private static boolean has(Properties p, String key) {
        return !p.get(key).trim().isEmpty();
    }

    private static long parseLong(String s, long dflt) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    public static DeviceInfo fromJson(Map<String, Object> m) throws JsonException {
        DeviceInfo d = new DeviceInfo();
        String s;
        d.brand = (s = Json.optStr(m, "brand")) == null ? "" : s;
        d.manufacturer = (s = Json.optStr(m, "manufacturer")) == null ? "" : s;
        d.model = (s = Json.optStr(m, "model")) == null ? "" : s;
        Long api = Json.optLong(m, "api_level");
        d.apiLevel = api == null ? 0 : api;
        d.rom = (s = Json.optStr(m, "rom")) == null ? "aosp" : s;
        d.region = (s = Json.optStr(m, "region")) == null ? "" : s;
        d.vendorPush = Json.optBool(m, "vendor_push");
        d.hmsCoreVersion = Json.optLong(m, "hms_core_version");
        d.playServices = Json.optBool(m, "play_services");
        d.dropsHuaweiPassthrough = Json.optBool(m, "drops_huawei_passthrough");
        return d;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("brand", brand);
        m.put("manufacturer", manufacturer);
        m.put("model", model);
        m.put("api_level", apiLevel);
        m.put("rom", rom);
        m.put("region", region);
        m.put("vendor_push", vendorPush);
        if (hmsCoreVersion != null) {
            m.put("hms_core_version", hmsCoreVersion);
        }
        m.put("play_services", playServices);
        m.put("drops_huawei_passthrough", dropsHuaweiPassthrough);
        return m;
    }
}
