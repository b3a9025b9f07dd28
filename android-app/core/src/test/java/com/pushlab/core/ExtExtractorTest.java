package com.pushlab.core;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

/** Where the demo app finds ext on each vendor's path, and how it reports it. */
public class ExtExtractorTest {
    private static final String EXT = "{\"action\":\"jump to denny\"}";

    private static Map<String, Object> extras(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<ExtExtractor.Found> found(String via, String value) {
        return Collections.singletonList(new ExtExtractor.Found(via, value));
    }

    /** The MiPushMessage JSON the hub's Mi model puts under key_message. */
    private static String miMessage(String ext) {
        Map<String, Object> extra = new LinkedHashMap<String, Object>();
        extra.put("ext", ext);
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("messageId", "sdm1");
        m.put("description", "hi vinson");
        m.put("title", "Denny");
        m.put("category", Json.NULL);
        m.put("extra", extra);
        return Json.write(m);
    }

    @Test
    public void theExtExtraOnTheOpenedActivity() {
        for (Vendor v : Arrays.asList(Vendor.HUAWEI, Vendor.MEIZU, Vendor.FCM, null)) {
            assertEquals(String.valueOf(v), found("intent_extra", EXT),
                    ExtExtractor.fromActivity(v, extras("ext", EXT, "pushlab.message_id", "m1")));
        }
    }

    @Test
    public void miMessagesOnTheOpenedActivity() {
        assertEquals(found("mipush_message", EXT),
                ExtExtractor.fromActivity(Vendor.XIAOMI, extras("key_message", miMessage(EXT), "pushlab.message_id", "m1")));
    }

    @Test
    public void oppoSpreadsJsonExtIntoExtras() {
        // google.message_id is FCM's name, not OPPO's: on OPPO it is the sender's.
        assertEquals(found("intent_extras", "{\"action\":\"jump to denny\",\"google.message_id\":\"0:1\",\"n\":\"1\"}"),
                ExtExtractor.fromActivity(Vendor.OPPO, extras("n", "1", "action", "jump to denny",
                        "pushlab.message_id", "m1", "google.message_id", "0:1")));
        assertEquals(Collections.emptyList(), ExtExtractor.fromActivity(Vendor.OPPO, extras("count", 3)));
    }

    @Test
    public void oppoKeepsKeysOtherVendorsReserve() {
        assertEquals(found("intent_extras", "{\"action\":\"jump to denny\",\"from\":\"denny\"}"),
                ExtExtractor.fromActivity(Vendor.OPPO, extras("action", "jump to denny", "from", "denny",
                        "pushlab.message_id", "m1")));
        assertEquals(found("intent_extras", "{\"a\":\"b\",\"ext\":\"x\"}"),
                ExtExtractor.fromActivity(Vendor.OPPO, extras("ext", "x", "a", "b", "pushlab.message_id", "m1")));
    }

    @Test
    public void eachVendorReservesOnlyItsOwnKeys() {
        for (Vendor v : Vendor.values()) {
            assertEquals(v.wire, true, ExtExtractor.reserved(v, "pushlab.message_id"));
            assertEquals(v.wire, false, ExtExtractor.reserved(v, "action"));
            assertEquals(v.wire, false, ExtExtractor.reserved(v, ""));
        }
        assertEquals(true, ExtExtractor.reserved(Vendor.FCM, "from"));
        assertEquals(true, ExtExtractor.reserved(Vendor.FCM, "gcm.n.e"));
        assertEquals(false, ExtExtractor.reserved(Vendor.FCM, "key_message"));
        assertEquals(true, ExtExtractor.reserved(Vendor.XIAOMI, "key_message"));
        for (String k : Arrays.asList("from", "ext", "collapse_key", "google.x", "gcm.n.e", "key_message")) {
            assertEquals(k, false, ExtExtractor.reserved(Vendor.OPPO, k));
        }
        assertEquals(false, ExtExtractor.reserved(null, "from"));
    }

    @Test
    public void nothingToReportWithoutExt() {
        for (Vendor v : Vendor.values()) {
            assertEquals(Collections.emptyList(), ExtExtractor.fromActivity(v, extras("pushlab.message_id", "m1")));
        }
        assertEquals(Collections.emptyList(),
                ExtExtractor.fromActivity(Vendor.XIAOMI, extras("key_message", "not json")));
        // vivo hands its ext to the click callback only.
        assertEquals(Collections.emptyList(), ExtExtractor.fromActivity(Vendor.VIVO, extras("ext", EXT, "a", "b")));
        assertEquals(Collections.emptyList(),
                ExtExtractor.fromCallback("com.vivo.pushclient.action.RECEIVE", extras("pushlab.message_id", "m")));
    }

    @Test
    public void miClickCallbackReadsTheMessagesExtraMap() {
        assertEquals(found("mipush_message", EXT), ExtExtractor.fromCallback("com.xiaomi.mipush.RECEIVE_MESSAGE",
                extras("key_message", miMessage(EXT), "pushlab.message_id", "m1")));
        // The vector's shape: ext as a plain callback extra.
        assertEquals(found("callback_params", EXT),
                ExtExtractor.fromCallback("com.xiaomi.mipush.RECEIVE_MESSAGE", extras("ext", EXT)));
    }

    @Test
    public void vivoCallbacksCarryParamsAndFcmAndHuaweiCallbacksNoExt() {
        assertEquals(found("callback_params", EXT),
                ExtExtractor.fromCallback("com.vivo.pushclient.action.RECEIVE", extras("ext", EXT)));
        for (String action : Arrays.asList("com.huawei.push.action.MESSAGING_EVENT",
                "com.google.android.c2dm.intent.RECEIVE", "com.example.OTHER")) {
            assertEquals(action, Collections.emptyList(), ExtExtractor.fromCallback(action, extras("ext", EXT)));
        }
        assertEquals(Vendor.VIVO, ExtExtractor.callbackVendor("com.vivo.pushclient.action.RECEIVE"));
        assertEquals(null, ExtExtractor.callbackVendor("com.pushlab.agent.TOKEN"));
    }

    @Test
    public void meizuSelfDefineContent() {
        String sd = "{\"ext\":\"{\\\"extKey\\\":\\\"ext content\\\"}\"}";
        assertEquals(found("self_define_content", "{\"extKey\":\"ext content\"}"),
                ExtExtractor.fromCallback("com.meizu.flyme.push.intent.MESSAGE",
                        extras("method", "private", "selfDefineContentString", sd)));
        assertEquals(found("self_define_content", "plain text"),
                ExtExtractor.fromCallback("com.meizu.flyme.push.intent.MESSAGE",
                        extras("selfDefineContentString", "plain text")));
        assertEquals(found("self_define_content", "{\"k\":1}"),
                ExtExtractor.fromCallback("com.meizu.flyme.push.intent.MESSAGE",
                        extras("selfDefineContentString", "{\"ext\":{\"k\":1}}")));
    }

    private static Map<String, Object> asExtras(List<Extra> list) {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        for (Extra e : list) {
            m.put(e.key, e.value);
        }
        return m;
    }

    private static DisplayPlan plan(String vector) throws Exception {
        DisplayInstruction d = StreamItem.fromJson(Fixtures.gateway("stream-items.json").get(vector)).instruction;
        return DisplayPlan.plan(d, 33, false);
    }

    /** What the app finds on the activity the vector's tap opens, read by the vector's vendor. */
    private static List<ExtExtractor.Found> tapped(String vector) throws Exception {
        DisplayPlan p = plan(vector);
        return ExtExtractor.fromActivity(p.vendor, asExtras(p.tap.extras));
    }

    @Test
    public void theGatewayVectorsExtReachesTheAppWhereItsVendorPutsIt() throws Exception {
        DisplayPlan mi = plan("display: open app, Mi callback with ext");
        assertEquals(found("callback_params", EXT), ExtExtractor.fromCallback(mi.clicked.get(0).action,
                asExtras(mi.clicked.get(0).extras)));
        assertEquals(found("intent_extra", "{\"a\":\"b\"}"),
                tapped("display: in-app page by intent URI"));
        // A device that loses Huawei data on tap: the ext is gone, nothing to report.
        DisplayInstruction hw = StreamItem.fromJson(
                Fixtures.gateway("stream-items.json").get("display: in-app page by intent URI")).instruction;
        assertEquals(Collections.emptyList(),
                ExtExtractor.fromActivity(hw.vendor, asExtras(DisplayPlan.plan(hw, 29, true).tap.extras)));
        assertEquals(found("intent_extra", "{}"),
                tapped("display: activity class"));
        assertEquals(found("intent_extras", EXT),
                tapped("display: intent action"));
        assertEquals(Collections.emptyList(),
                tapped("display: URL"));
        assertEquals(found("intent_extra", "{\"k\":\"v\"}"),
                tapped("display: FCM, posted by the app's SDK"));
    }
}
