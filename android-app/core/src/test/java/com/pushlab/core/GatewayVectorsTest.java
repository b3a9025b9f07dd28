package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.Test;

/**
 * The gateway protocol's shared vectors (fixtures/gateway/): every value
 * reads as its Java type and writes back to the same JSON, exactly as the
 * Rust hub's tests/gateway_vectors.rs checks.
 */
public class GatewayVectorsTest {
    @Test
    public void everyStreamItemReadsAndWritesBack() throws Exception {
        Map<String, Map<String, Object>> items = Fixtures.gateway("stream-items.json");
        assertTrue(items.size() >= 10);
        for (Map.Entry<String, Map<String, Object>> e : items.entrySet()) {
            StreamItem item = StreamItem.fromJson(e.getValue());
            assertEquals(e.getKey(), Fixtures.normalize(e.getValue()), Fixtures.wire(item.toJson()));
        }
    }

    @Test
    public void streamLinesParseIntoTypedItems() throws Exception {
        Map<String, Map<String, Object>> items = Fixtures.gateway("stream-items.json");
        StreamItem hello = StreamItem.parseLine(Json.write(items.get("hello")));
        assertEquals(StreamItem.Type.HELLO, hello.type);
        assertEquals("emulator-5554", hello.device);

        StreamItem mi = StreamItem.parseLine(Json.write(items.get("display: open app, Mi callback with ext")));
        assertEquals(StreamItem.Type.DISPLAY, mi.type);
        DisplayInstruction d = mi.instruction;
        assertEquals("msg-1", d.messageId);
        assertEquals(Vendor.XIAOMI, d.vendor);
        assertEquals("Denny", d.notification.title);
        assertEquals("im", d.notification.channelId);
        assertEquals(ClickRoute.Kind.LAUNCHER, d.click.kind);
        assertEquals(1, d.callbacks.size());
        assertEquals(CallbackBroadcast.Trigger.CLICKED, d.callbacks.get(0).on);
        assertTrue(d.callbacks.get(0).includeStoppedPackages);
        assertEquals("{\"action\":\"jump to denny\"}", d.callbacks.get(0).extras.get(0).value);

        DisplayInstruction hw = StreamItem.parseLine(Json.write(items.get("display: in-app page by intent URI"))).instruction;
        assertEquals(Integer.valueOf(7), hw.notification.notifyId);
        assertEquals(Extra.REQUIRES_HUAWEI_PASSTHROUGH, hw.extras.get(0).requires);
        assertEquals(Extra.Type.INT, hw.extras.get(1).type);
        assertEquals(Integer.valueOf(3), hw.extras.get(1).value);

        assertEquals(DisplayInstruction.Poster.APP_SDK,
                StreamItem.parseLine(Json.write(items.get("display: FCM, posted by the app's SDK"))).instruction.poster);
        assertEquals("msg-1", StreamItem.parseLine("{\"type\":\"tap\",\"message_id\":\"msg-1\"}").messageId);
        assertEquals(null, StreamItem.parseLine("{\"type\":\"clear\"}").messageId);
        assertEquals(StreamItem.Type.PING, StreamItem.parseLine(" {\"type\":\"ping\"} ").type);
    }

    @Test
    public void everyDeviceEventReadsAndWritesBack() throws Exception {
        for (Map.Entry<String, Map<String, Object>> e : Fixtures.gateway("events.json").entrySet()) {
            DeviceEvent ev = DeviceEvent.fromJson(e.getValue());
            assertEquals(e.getKey(), Fixtures.normalize(e.getValue()), Fixtures.wire(ev.toJson()));
        }
    }

    @Test
    public void eventsBuiltByTheAgentMatchTheVectors() throws Exception {
        Map<String, Map<String, Object>> v = Fixtures.gateway("events.json");
        String dev = "emulator-5554";
        assertEquals(Fixtures.normalize(v.get("received")), Fixtures.wire(DeviceEvent.received("msg-1", dev).toJson()));
        assertEquals(Fixtures.normalize(v.get("clicked")), Fixtures.wire(DeviceEvent.clicked("msg-1", dev).toJson()));
        assertEquals(Fixtures.normalize(v.get("posted")), Fixtures.wire(DeviceEvent.posted("msg-1", dev, "Denny",
                "hi vinson", "im", "0|com.tencent.qcloud.tim.tuikit|1|null|10123").toJson()));
        assertEquals(Fixtures.normalize(v.get("dropped: no channel")), Fixtures.wire(DeviceEvent.dropped("msg-1", dev,
                "device.channel_missing", "No Channel found for pkg=com.example.im, channelId=im").toJson()));
        assertEquals(Fixtures.normalize(v.get("removed")), Fixtures.wire(DeviceEvent.removed("msg-1", dev,
                RemovalReason.name(1)).toJson()));
        assertEquals(Fixtures.normalize(v.get("activity started")), Fixtures.wire(DeviceEvent.activityStarted("msg-1",
                dev, "com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity").toJson()));
        assertEquals(Fixtures.normalize(v.get("url opened")), Fixtures.wire(DeviceEvent.urlOpened("msg-5", dev,
                "https://cloud.tencent.com/product/im", "com.android.chrome").toJson()));
        assertEquals(Fixtures.normalize(v.get("click failed")), Fixtures.wire(DeviceEvent.clickFailed("msg-3", dev,
                "device.activity_not_found", "Unable to resolve Intent").toJson()));
        assertEquals(Fixtures.normalize(v.get("callback received")), Fixtures.wire(DeviceEvent.callbackReceived("msg-1",
                dev, "com.xiaomi.mipush.RECEIVE_MESSAGE", "onNotificationMessageClicked").toJson()));
        assertEquals(Fixtures.normalize(v.get("callback received: no SDK callback")), Fixtures.wire(
                DeviceEvent.callbackReceived("msg-2", dev, "com.google.android.c2dm.intent.RECEIVE", null).toJson()));
        assertEquals(Fixtures.normalize(v.get("badge set")), Fixtures.wire(DeviceEvent.badgeSet("msg-1", "emulator-5556",
                "com.tencent.qcloud.tim.demo.SplashActivity", 3).toJson()));
        assertEquals(Fixtures.normalize(v.get("ext received")), Fixtures.wire(DeviceEvent.extReceived("msg-1", dev,
                "intent_extra", "{\"action\":\"jump to denny\"}").toJson()));
    }

    @Test
    public void sdkCallbacksAreDispatchedAsTheVectorsSay() throws Exception {
        Set<String> seen = new HashSet<String>();
        for (Map.Entry<String, Map<String, Object>> e : Fixtures.gateway("callbacks.json").entrySet()) {
            Map<String, Object> v = e.getValue();
            String want = Json.optStr(v, "callback");
            String got = SdkCallbacks.dispatched(Json.str(v, "action"), Json.obj(v, "extras"));
            assertEquals(e.getKey(), want, got);
            if (got != null) {
                seen.add(got);
            }
        }
        assertEquals(7, seen.size());
    }

    @Test
    public void huaweiBadgeNumbersCountUpOrAreSet() throws Exception {
        NotificationSpec n = new NotificationSpec();
        assertEquals(1, n.nextBadgeNumber(0));
        n.badgeAddNum = 2;
        assertEquals(5, n.nextBadgeNumber(3));
        n.badgeSetNum = 0;
        assertEquals(0, n.nextBadgeNumber(3));
    }

    @Test
    public void registrationRequestsAndAnswersReadAndWriteBack() throws Exception {
        for (Map.Entry<String, Map<String, Object>> e : Fixtures.gateway("register.json").entrySet()) {
            Object back;
            if (e.getKey().equals("response") || e.getKey().equals("error")) {
                back = RegisterResult.fromJson(e.getValue()).toJson();
            } else {
                back = RegisterRequest.fromJson(e.getValue()).toJson();
            }
            assertEquals(e.getKey(), Fixtures.normalize(e.getValue()), Fixtures.wire(back));
        }
        RegisterResult err = RegisterResult.fromJson(Fixtures.gateway("register.json").get("error"));
        assertEquals("101", err.errorCode);
        assertEquals("vivo.unsupported_device", err.diagnosis);
    }

    @Test
    public void malformedLinesAreErrorsNotCrashes() {
        String[] bad = {
            "{\"type\":\"display\"}",
            "{\"type\":\"teleport\"}",
            "{\"type\":\"display\",\"instruction\":{\"message_id\":\"m\",\"vendor\":\"nokia\"}}",
            "{\"message_id\":\"m\",\"kind\":\"dropped\",\"detail\":{\"code\":7}}",
            "{\"message_id\":\"m\",\"kind\":\"posted\"}",
            "not json",
            "[1,2",
            "",
        };
        for (String line : bad) {
            try {
                StreamItem.parseLine(line);
                fail("stream item accepted: " + line);
            } catch (JsonException expected) {
                // a clear error
            }
            try {
                DeviceEvent.fromJson(Json.parseObject(line));
                fail("event accepted: " + line);
            } catch (JsonException expected) {
                // a clear error
            }
        }
    }

    @Test
    public void extrasOutsideTheirTypesRangeAreRejected() {
        String[] bad = {
            "{\"key\":\"k\",\"value\":{\"type\":\"byte\",\"value\":300}}",
            "{\"key\":\"k\",\"value\":{\"type\":\"int\",\"value\":\"3\"}}",
            "{\"key\":\"k\",\"value\":{\"type\":\"char\",\"value\":\"ab\"}}",
            "{\"key\":\"k\",\"value\":{\"type\":\"blob\",\"value\":1}}",
            "{\"key\":\"k\",\"value\":{\"type\":\"string\",\"value\":\"v\"},\"requires\":\"magic\"}",
        };
        for (String s : bad) {
            try {
                Extra.fromJson(Json.parseObject(s));
                fail("accepted " + s);
            } catch (JsonException expected) {
                // a clear error
            }
        }
    }
}
