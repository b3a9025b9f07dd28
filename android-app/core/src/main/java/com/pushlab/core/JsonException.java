package com.pushlab.core;

/** Input that is not JSON, or not the JSON shape the protocol expects. */
public class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    public JsonException(String message) {
        super(message);
    }
}
