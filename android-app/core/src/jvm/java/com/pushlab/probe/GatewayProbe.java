package com.pushlab.probe;

import com.pushlab.core.Backoff;
import com.pushlab.core.ClickRoute;
import com.pushlab.core.DeviceEvent;
import com.pushlab.core.DeviceInfo;
import com.pushlab.core.DisplayPlan;
import com.pushlab.core.ExtExtractor;
import com.pushlab.core.Extra;
import com.pushlab.core.GatewayClient;
import com.pushlab.core.IntentUri;
import com.pushlab.core.JsonException;
import com.pushlab.core.RegisterRequest;
import com.pushlab.core.RegisterResult;
import com.pushlab.core.StreamItem;
import com.pushlab.core.StreamLoop;
import com.pushlab.core.Vendor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's plain-Java gateway client on the JVM, for checking it against
 * a live hub: registers, holds the stream, and for each DisplayInstruction
 * reports what a device with the agent and the demo app would (received,
 * posted, and on tap: clicked, callback_received, ext_received).
 *
 * <pre>java -cp build/core/classes com.pushlab.probe.GatewayProbe HUB DEVICE VENDOR PACKAGE</pre>
 *
 * Prints one line per step on stdout ({@code token T}, {@code connected D},
 * {@code display ID}, {@code reported ID N}, {@code tapped ID N}); ends when
 * stdin closes.
 */
public final class GatewayProbe {
    private GatewayProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: GatewayProbe HUB DEVICE VENDOR PACKAGE");
            System.exit(2);
        }
        final String device = args[1];
        final GatewayClient client = new GatewayClient(args[0]);
        DeviceInfo info = new DeviceInfo();
        info.brand = "Xiaomi";
        info.manufacturer = "Xiaomi";
        info.model = "M2102J2SC";
        info.apiLevel = 33;
        info.rom = "miui";
        info.region = "cn";
        // Mi Push registers on MIUI only.
        info.rom = "miui";
        info.vendorPush = true;
        RegisterResult r = client.register(new RegisterRequest(device, Vendor.parse(args[2]), args[3], info));
        if (!r.isOk()) {
            say("register-error " + r.errorCode + " " + r.diagnosis);
            System.exit(1);
        }
        say("token " + r.token);
        final Map<String, DisplayPlan> plans = new LinkedHashMap<String, DisplayPlan>();
        StreamLoop loop = new StreamLoop(client, device, new StreamLoop.Handler() {
            @Override
            public void onConnected(String dev) {
                say("connected " + dev);
            }

            @Override
            public void onItem(StreamItem item) {
                try {
                    if (item.type == StreamItem.Type.DISPLAY) {
                        DisplayPlan p = DisplayPlan.plan(item.instruction, 33, false);
                        plans.put(p.messageId, p);
                        say("display " + p.messageId + " " + p.tap.kind.wire + " " + p.disposition);
                        say("reported " + p.messageId + " " + client.postEvents(displayed(p, device)));
                    } else if (item.type == StreamItem.Type.TAP) {
                        DisplayPlan p = plans.get(item.messageId);
                        if (p != null) {
                            say("tapped " + p.messageId + " " + client.postEvents(tapped(p, device)));
                        }
                    }
                } catch (Exception e) {
                    say("error " + e);
                }
            }

            @Override
            public void onBadLine(String line, JsonException error) {
                say("bad-line " + error.getMessage());
            }

            @Override
            public void onDisconnected(Exception cause, long retryInMillis) {
                say("disconnected " + retryInMillis);
            }
        }, new Backoff(200, 2000), StreamLoop.THREAD_SLEEP);
        Thread t = new Thread(loop, "gateway");
        t.setDaemon(true);
        t.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        while (in.readLine() != null) {
            // runs until the driver closes stdin
        }
        loop.stop();
    }

    /** What the push service reports once it has posted the notification. */
    static List<DeviceEvent> displayed(DisplayPlan p, String device) {
        List<DeviceEvent> out = new ArrayList<DeviceEvent>();
        out.add(DeviceEvent.received(p.messageId, device));
        if (p.disposition == DisplayPlan.Disposition.DROP) {
            out.add(DeviceEvent.dropped(p.messageId, device, p.dropCode, p.dropDetail));
        } else {
            out.add(DeviceEvent.posted(p.messageId, device, p.title, p.text, p.channelId,
                    "0|" + p.targetPackage + "|" + p.notifyId + "|" + p.targetPackage + "|10123"));
        }
        return out;
    }

    /**
     * A tap: the push service's click, the activity the route opens with the
     * ext the app finds on it (intent URIs read with the core's IntentUri,
     * as Intent.parseUri would on a device), then the callbacks.
     */
    static List<DeviceEvent> tapped(DisplayPlan p, String device) {
        List<DeviceEvent> out = new ArrayList<DeviceEvent>();
        out.add(DeviceEvent.clicked(p.messageId, device));
        Map<String, Object> intentExtras = new LinkedHashMap<String, Object>();
        String component = null;
        if (p.tap.kind == ClickRoute.Kind.INTENT_URI) {
            try {
                IntentUri.Parsed parsed = IntentUri.parse(p.tap.uri, IntentUri.URI_INTENT_SCHEME);
                if (parsed.componentPackage != null) {
                    component = parsed.componentPackage + "/" + parsed.componentClass;
                }
                intentExtras.putAll(parsed.extras);
            } catch (IntentUri.ParseException e) {
                out.add(DeviceEvent.clickFailed(p.messageId, device, "device.activity_not_found", e.getMessage()));
            }
        } else if (p.tap.kind == ClickRoute.Kind.COMPONENT && p.tap.invalidCode == null) {
            component = p.tap.componentPackage + "/" + p.tap.componentClass;
        }
        if (component != null) {
            for (Extra e : p.tap.extras) {
                intentExtras.put(e.key, e.value);
            }
            out.add(DeviceEvent.activityStarted(p.messageId, device, component));
            for (ExtExtractor.Found f : ExtExtractor.fromActivity(p.vendor, intentExtras)) {
                out.add(DeviceEvent.extReceived(p.messageId, device, f.via, f.value));
            }
        }
        for (DisplayPlan.Callback cb : p.clicked) {
            out.add(DeviceEvent.callbackReceived(p.messageId, device, cb.action));
            Map<String, Object> extras = new LinkedHashMap<String, Object>();
            for (Extra e : cb.extras) {
                extras.put(e.key, e.value);
            }
            for (ExtExtractor.Found f : ExtExtractor.fromCallback(cb.action, extras)) {
                out.add(DeviceEvent.extReceived(p.messageId, device, f.via, f.value));
            }
        }
        return out;
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
