package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

/**
 * What the agent does with each DisplayInstruction vector: post or drop,
 * which channel, the tap intent and the callback broadcasts.
 */
public class DisplayPlanTest {
    private static DisplayInstruction vector(String name) throws Exception {
        return StreamItem.fromJson(Fixtures.gateway("stream-items.json").get(name)).instruction;
    }

    private static String extra(List<Extra> extras, String key) {
        for (Extra e : extras) {
            if (e.key.equals(key)) {
                return e.valueString();
            }
        }
        return null;
    }

    @Test
    public void openAppPostsOnTheAppsChannelAndSendsMisClickCallbackToStoppedApps() throws Exception {
        DisplayPlan p = DisplayPlan.plan(vector("display: open app, Mi callback with ext"), 33, false);
        assertEquals(DisplayPlan.Disposition.POST, p.disposition);
        assertEquals("im", p.channelId);
        assertEquals("Denny", p.title);
        assertEquals("hi vinson", p.text);
        assertEquals(ClickRoute.Kind.LAUNCHER, p.tap.kind);
        assertEquals("com.tencent.qcloud.tim.tuikit", p.tap.targetPackage);
        assertEquals("msg-1", extra(p.tap.extras, "pushlab.message_id"));
        assertTrue(p.arrived.isEmpty());
        assertEquals(1, p.clicked.size());
        DisplayPlan.Callback cb = p.clicked.get(0);
        assertEquals("com.xiaomi.mipush.RECEIVE_MESSAGE", cb.action);
        assertEquals("com.tencent.qcloud.tim.tuikit", cb.targetPackage);
        assertNull(cb.componentClass);
        assertTrue(cb.includeStoppedPackages);
        assertEquals("{\"action\":\"jump to denny\"}", extra(cb.extras, "ext"));
        assertEquals("msg-1", extra(cb.extras, "pushlab.message_id"));
        assertEquals(DisplayPlan.stableId("msg-1"), p.notifyId);
    }

    @Test
    public void intentUriIsPassedThroughUnchanged() throws Exception {
        DisplayInstruction d = vector("display: in-app page by intent URI");
        DisplayPlan p = DisplayPlan.plan(d, 29, false);
        assertEquals(ClickRoute.Kind.INTENT_URI, p.tap.kind);
        assertEquals(d.click.argument, p.tap.uri);
        assertEquals(7, p.notifyId);
        assertEquals("{\"a\":\"b\"}", extra(p.tap.extras, "ext"));
        assertEquals("3", extra(p.tap.extras, "count"));
    }

    @Test
    public void everyIntentUriVectorReachesParseUriByteForByte() throws Exception {
        Map<String, Object> file = Json.asObject(Fixtures.load("intent-uris.json"), "intent-uris");
        int n = 0;
        for (String group : new String[] {"valid", "invalid"}) {
            for (Object o : Json.asList(file.get(group), group)) {
                String uri = Json.str(Json.asObject(o, "vector"), "uri");
                DisplayInstruction d = vector("display: in-app page by intent URI");
                d.click = new ClickRoute(ClickRoute.Kind.INTENT_URI, uri);
                DisplayInstruction back = DisplayInstruction.fromJson(Json.parseObject(Json.write(d.toJson())));
                DisplayPlan p = DisplayPlan.plan(back, 33, false);
                assertEquals(uri, p.tap.uri);
                assertNull(p.tap.invalidCode);
                n++;
            }
        }
        assertTrue(n >= 40);
    }

    @Test
    public void huaweiDataIsLostOnDevicesThatDropIt() throws Exception {
        DisplayPlan p = DisplayPlan.plan(vector("display: in-app page by intent URI"), 29, true);
        assertNull(extra(p.tap.extras, "ext"));
        assertEquals("3", extra(p.tap.extras, "count"));
    }

    @Test
    public void noChannelIsDroppedFromApi26AsAndroidDoes() throws Exception {
        DisplayInstruction d = vector("display: activity class");
        DisplayPlan p = DisplayPlan.plan(d, 33, false);
        assertEquals(DisplayPlan.Disposition.DROP, p.disposition);
        assertEquals("device.channel_missing", p.dropCode);
        assertEquals("No Channel found for pkg=com.example.im, channelId=null", p.dropDetail);
        assertEquals(DisplayPlan.Disposition.POST, DisplayPlan.plan(d, 25, false).disposition);
    }

    @Test
    public void componentRoutesNameTheFullClass() throws Exception {
        DisplayPlan p = DisplayPlan.plan(vector("display: activity class"), 25, false);
        assertEquals(ClickRoute.Kind.COMPONENT, p.tap.kind);
        assertEquals("com.example.im", p.tap.componentPackage);
        assertEquals("com.example.im.ChatActivity", p.tap.componentClass);
        assertEquals("com.pushlab.demo.chat.ChatActivity",
                DisplayPlan.splitComponent("com.pushlab.demo/.chat.ChatActivity")[1]);
        assertNull(DisplayPlan.splitComponent("nopkg"));
        assertNull(DisplayPlan.splitComponent("pkg/"));
        DisplayInstruction bad = vector("display: activity class");
        bad.click = new ClickRoute(ClickRoute.Kind.COMPONENT, "nopkg");
        assertEquals("device.activity_not_found", DisplayPlan.plan(bad, 33, false).tap.invalidCode);
    }

    @Test
    public void actionRoutesStayInsideTheTargetPackage() throws Exception {
        DisplayPlan p = DisplayPlan.plan(vector("display: intent action"), 33, false);
        assertEquals(ClickRoute.Kind.ACTION, p.tap.kind);
        assertEquals("com.example.im.OPEN_CHAT", p.tap.action);
        assertEquals("com.example.im", p.tap.targetPackage);
        assertEquals("jump to denny", extra(p.tap.extras, "action"));
        assertEquals("msg-4", extra(p.tap.extras, "pushlab.message_id"));
    }

    @Test
    public void urlRoutesOpenWebPagesOnly() throws Exception {
        DisplayInstruction d = vector("display: URL");
        DisplayPlan p = DisplayPlan.plan(d, 25, false);
        assertEquals(ClickRoute.Kind.URL, p.tap.kind);
        assertEquals("https://cloud.tencent.com/product/im", p.tap.url);
        assertNull(p.tap.invalidCode);
        d.click = new ClickRoute(ClickRoute.Kind.URL, "javascript:alert(1)");
        assertEquals("device.url_invalid", DisplayPlan.plan(d, 25, false).tap.invalidCode);
    }

    @Test
    public void fcmIsHandedToTheAppsSdkWithoutStoppedPackages() throws Exception {
        DisplayInstruction d = vector("display: FCM, posted by the app's SDK");
        CallbackBroadcast wake = new CallbackBroadcast();
        wake.action = "com.google.android.c2dm.intent.RECEIVE";
        wake.on = CallbackBroadcast.Trigger.ARRIVED;
        wake.extras.add(Extra.string("ext", "{\"k\":\"v\"}"));
        d.callbacks.add(wake);
        DisplayPlan p = DisplayPlan.plan(d, 33, false);
        assertEquals(DisplayPlan.Disposition.APP_SDK, p.disposition);
        assertEquals(1, p.arrived.size());
        DisplayPlan.Callback cb = p.arrived.get(0);
        assertFalse(cb.includeStoppedPackages);
        assertEquals("t", extra(cb.extras, DisplayPlan.FCM_TITLE));
        assertEquals("x", extra(cb.extras, DisplayPlan.FCM_BODY));
        assertEquals("im", extra(cb.extras, DisplayPlan.FCM_CHANNEL));
        assertEquals("msg-6", extra(cb.extras, "pushlab.message_id"));
    }

    @Test
    public void explicitCallbackReceiversAreHonoured() throws Exception {
        DisplayInstruction d = vector("display: open app, Mi callback with ext");
        d.callbacks.get(0).component = "com.tencent.qcloud.tim.tuikit/.XiaomiMsgReceiver";
        DisplayPlan.Callback cb = DisplayPlan.plan(d, 33, false).clicked.get(0);
        assertEquals("com.tencent.qcloud.tim.tuikit", cb.componentPackage);
        assertEquals("com.tencent.qcloud.tim.tuikit.XiaomiMsgReceiver", cb.componentClass);
    }
}
