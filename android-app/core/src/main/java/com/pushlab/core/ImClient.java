package com.pushlab.core;

import java.io.IOException;
import java.net.URLEncoder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The demo app's calls to the hub's IM simulator ({@code /im/v1/...}). */
public final class ImClient {
    private final String hub;

    public ImClient(String hub) {
        this.hub = hub.endsWith("/") ? hub.substring(0, hub.length() - 1) : hub;
    }

    /** A failed IM call: the server's ErrorCode and ErrorInfo. */
    public static final class ImException extends Exception {
        private static final long serialVersionUID = 1L;
        public final long code;

        public ImException(long code, String info) {
            super(code + ": " + info);
            this.code = code;
        }
    }

    private Map<String, Object> call(String path, Map<String, Object> body) throws IOException, ImException {
        Http.Response r = Http.post(hub + path, Json.write(body));
        Map<String, Object> m;
        try {
            m = Json.parseObject(r.body);
        } catch (JsonException e) {
            throw new IOException(path + ": HTTP " + r.status + " " + r.body);
        }
        if (!"OK".equals(m.get("ActionStatus"))) {
            Object code = m.get("ErrorCode");
            throw new ImException(code instanceof Long ? (Long) code : -1, String.valueOf(m.get("ErrorInfo")));
        }
        return m;
    }

    /** {@code POST /im/v1/login}: the session. */
    public String login(String user, String device) throws IOException, ImException {
        Map<String, Object> b = new LinkedHashMap<String, Object>();
        b.put("user", user);
        b.put("device", device);
        Object s = call("/im/v1/login", b).get("session");
        if (!(s instanceof String)) {
            throw new IOException("login: no session in the answer");
        }
        return (String) s;
    }

    public void logout(String session) throws IOException, ImException {
        Map<String, Object> b = new LinkedHashMap<String, Object>();
        b.put("session", session);
        call("/im/v1/logout", b);
    }

    /** {@code POST /im/v1/push-token}: (certificate id, token) for the session's user. */
    public void reportToken(String session, long certificateId, String token) throws IOException, ImException {
        Map<String, Object> b = new LinkedHashMap<String, Object>();
        b.put("session", session);
        b.put("certificate_id", certificateId);
        b.put("token", token);
        call("/im/v1/push-token", b);
    }

    /** {@code GET /im/v1/connection?session=}: open while the app's process lives. */
    public Http.Lines connect(String session) throws IOException {
        return Http.Lines.open(hub + "/im/v1/connection?session=" + URLEncoder.encode(session, "UTF-8"));
    }
}
