package com.pushlab.core;

import java.io.IOException;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The push service's side of the gateway protocol. */
public final class GatewayClient {
    private final String hub;

    /** @param hub the hub's base URL, e.g. {@code http://127.0.0.1:8700} */
    public GatewayClient(String hub) {
        this.hub = hub.endsWith("/") ? hub.substring(0, hub.length() - 1) : hub;
    }

    public String hub() {
        return hub;
    }

    /** {@code POST /gateway/v1/register}: a token, or the vendor SDK's refusal. */
    public RegisterResult register(RegisterRequest req) throws IOException, JsonException {
        Http.Response r = Http.post(hub + "/gateway/v1/register", Json.write(req.toJson()));
        if (r.status != 200 && r.status != 422 && r.status != 400) {
            throw new IOException("register: HTTP " + r.status + " " + r.body);
        }
        return RegisterResult.fromJson(Json.parseObject(r.body));
    }

    /** {@code POST /gateway/v1/events}; returns how many the hub accepted. */
    public int postEvents(List<DeviceEvent> events) throws IOException {
        List<Object> a = new ArrayList<Object>();
        for (DeviceEvent e : events) {
            a.add(e.toJson());
        }
        Http.Response r = Http.post(hub + "/gateway/v1/events", Json.write(a));
        if (r.status != 200) {
            throw new IOException("events: HTTP " + r.status + " " + r.body);
        }
        try {
            Map<String, Object> m = Json.parseObject(r.body);
            Long n = Json.optLong(m, "accepted");
            return n == null ? 0 : n.intValue();
        } catch (JsonException e) {
            throw new IOException("events: unexpected answer " + r.body);
        }
    }

    /** Opens {@code GET /gateway/v1/stream?device=…}. */
    public Http.Lines openStream(String device) throws IOException {
        return Http.Lines.open(hub + "/gateway/v1/stream?device=" + URLEncoder.encode(device, "UTF-8"));
    }
}
