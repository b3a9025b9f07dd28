package com.pushlab.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to a registration: a token, or the vendor SDK's refusal
 * ({@code {"error": {vendor, code, message, diagnosis}}}, HTTP 422).
 */
public final class RegisterResult {
    public final String token;
    public final String vendor;
    public final String errorCode;
    public final String errorMessage;
    public final String diagnosis;

    private RegisterResult(String token, String vendor, String code, String message, String diagnosis) {
        this.token = token;
        this.vendor = vendor;
        this.errorCode = code;
        this.errorMessage = message;
        this.diagnosis = diagnosis;
    }

    public static RegisterResult ok(String token) {
        return new RegisterResult(token, null, null, null, null);
    }

    public static RegisterResult error(String vendor, String code, String message, String diagnosis) {
        return new RegisterResult(null, vendor, code, message, diagnosis);
    }

    public boolean isOk() {
        return token != null;
    }

    /** Reads a response body: {@code {"token"}} or {@code {"error": {...}}}. */
    public static RegisterResult fromJson(Map<String, Object> m) throws JsonException {
        if (m.containsKey("token")) {
            return ok(Json.str(m, "token"));
        }
        Object e = m.get("error");
        if (e instanceof Map) {
            Map<String, Object> err = Json.asObject(e, "error");
            return error(Json.str(err, "vendor"), Json.str(err, "code"), Json.str(err, "message"),
                    Json.str(err, "diagnosis"));
        }
        if (e instanceof String) {
            return error("", "bad_request", (String) e, "");
        }
        throw new JsonException("register: neither token nor error");
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        if (isOk()) {
            m.put("token", token);
            return m;
        }
        Map<String, Object> e = new LinkedHashMap<String, Object>();
        e.put("vendor", vendor);
        e.put("code", errorCode);
        e.put("message", errorMessage);
        e.put("diagnosis", diagnosis);
        m.put("error", e);
        return m;
    }
}
