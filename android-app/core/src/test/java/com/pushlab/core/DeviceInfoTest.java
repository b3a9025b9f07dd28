package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.Test;

/** The device facts the agent sends when it registers, from getprop. */
public class DeviceInfoTest {
    private static DeviceInfo.Properties props(String... kv) {
        final Map<String, String> m = new HashMap<String, String>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new DeviceInfo.Properties() {
            @Override
            public String get(String key) {
                String v = m.get(key);
                return v == null ? "" : v;
            }
        };
    }

    @Test
    public void aChinesePhoneFromItsProperties() throws Exception {
        DeviceInfo d = DeviceInfo.fromProperties(props("ro.product.brand", "HUAWEI", "ro.product.manufacturer",
                "HUAWEI", "ro.product.model", "ELS-AN00", "ro.build.version.sdk", "29", "ro.product.locale",
                "zh-Hans-CN", "ro.build.version.emui", "EmotionUI_10.1.0"), 60800300L, false);
        assertEquals("emui", d.rom);
        assertEquals("HUAWEI", d.brand);
        assertEquals(29, d.apiLevel);
        assertEquals("cn", d.region);
        assertTrue(d.vendorPush);
        assertEquals(Long.valueOf(60800300L), d.hmsCoreVersion);
        assertFalse(d.playServices);
        // The request body has the shape of the register vectors.
        Map<String, Object> want = Fixtures.gateway("register.json").get("request on a Huawei device");
        RegisterRequest r = new RegisterRequest("emulator-5556", Vendor.HUAWEI, "com.example.im", d);
        d.dropsHuaweiPassthrough = true;
        assertEquals(Fixtures.normalize(want), Fixtures.wire(r.toJson()));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void theRomIsReadAsTheHubReadsIt() throws Exception {
        Map<String, Map<String, Object>> cases = Fixtures.gateway("device-roms.json");
        assertFalse(cases.isEmpty());
        for (Map.Entry<String, Map<String, Object>> c : cases.entrySet()) {
            final Map<String, Object> p = (Map<String, Object>) c.getValue().get("properties");
            DeviceInfo.Properties props = new DeviceInfo.Properties() {
                @Override
                public String get(String key) {
                    Object v = p.get(key);
                    return v == null ? "" : (String) v;
                }
            };
            assertEquals(c.getKey(), c.getValue().get("rom"), DeviceInfo.romFrom(props));
            assertEquals(c.getKey(), c.getValue().get("rom"), DeviceInfo.fromProperties(props, null, false).rom);
        }
    }

    @Test
    public void anEmulatorIsGlobalUnlessToldOtherwise() {
        DeviceInfo d = DeviceInfo.fromProperties(props("ro.build.version.sdk", "33", "persist.sys.locale", "en-US"),
                null, true);
        assertEquals("global", d.region);
        assertEquals("aosp", d.rom);
        assertNull(d.hmsCoreVersion);
        assertTrue(d.playServices);
        assertFalse(d.dropsHuaweiPassthrough);
    }

    @Test
    public void debugPropertiesOverrideWhatAnEmulatorCannotTell() {
        DeviceInfo d = DeviceInfo.fromProperties(props("persist.sys.country", "US", "debug.pushlab.region", "cn",
                "debug.pushlab.vendor_push", "false", "debug.pushlab.hms_core_version", "50000000",
                "debug.pushlab.play_services", "false", "debug.pushlab.drops_huawei_passthrough", "true"),
                null, true);
        assertEquals("cn", d.region);
        assertFalse(d.vendorPush);
        assertEquals(Long.valueOf(50000000L), d.hmsCoreVersion);
        assertFalse(d.playServices);
        assertTrue(d.dropsHuaweiPassthrough);
    }
}
