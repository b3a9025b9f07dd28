package com.pushlab.agent;

import android.content.Context;
import android.content.pm.PackageInfo;
import android.content.pm.PackageManager;
import android.os.Build;

import com.pushlab.core.DeviceInfo;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/** The device's facts for registration, from Build, getprop and installed packages. */
final class AndroidFacts {
    private AndroidFacts() {
    }

    static DeviceInfo deviceInfo(Context c) {
        DeviceInfo.Properties props = new DeviceInfo.Properties() {
            @Override
            public String get(String key) {
                if ("ro.product.brand".equals(key)) {
                    return Build.BRAND;
                } else if ("ro.product.manufacturer".equals(key)) {
                    return Build.MANUFACTURER;
                } else if ("ro.product.model".equals(key)) {
                    return Build.MODEL;
                } else if ("ro.build.version.sdk".equals(key)) {
                    return String.valueOf(Build.VERSION.SDK_INT);
                }
                return getprop(key);
            }
        };
        PackageInfo hms = packageInfo(c, "com.huawei.hwid");
        Long hmsVersion = null;
        if (hms != null) {
            hmsVersion = Build.VERSION.SDK_INT >= 28 ? hms.getLongVersionCode() : (long) versionCode(hms);
        }
        boolean gms = packageInfo(c, "com.google.android.gms") != null;
        return DeviceInfo.fromProperties(props, hmsVersion, gms);
    }

    /** Whether this device is set to lose Huawei notification data on tap. */
    static boolean dropsHuaweiPassthrough() {
        return "true".equals(getprop("debug.pushlab.drops_huawei_passthrough"));
    }

    @SuppressWarnings("deprecation")
    private static int versionCode(PackageInfo p) {
        return p.versionCode;
    }

    static PackageInfo packageInfo(Context c, String pkg) {
        try {
            return c.getPackageManager().getPackageInfo(pkg, 0);
        } catch (PackageManager.NameNotFoundException e) {
            return null;
        }
    }

    /** {@code getprop key}: "" when unset or unreadable. */
    static String getprop(String key) {
        try {
            Process p = new ProcessBuilder("getprop", key).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), "UTF-8"));
            try {
                String line = r.readLine();
                p.waitFor();
                return line == null ? "" : line.trim();
            } finally {
                r.close();
            }
        } catch (Exception e) {
            return "";
        }
    }
}
