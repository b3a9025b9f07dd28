package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.junit.Test;

public class JsonTest {
    @Test
    public void readsEveryKindOfValue() throws Exception {
        Map<String, Object> m = Json.parseObject(
                "{\"s\":\"a\\\"b\\u4f60\\n\",\"i\":-42,\"big\":9000000000,\"d\":1.5,\"e\":1.0E10,\"t\":true,\"n\":null,\"a\":[1,[]]}");
        assertEquals("a\"b\u4f60\n", m.get("s"));
        assertEquals(-42L, m.get("i"));
        assertEquals(9000000000L, m.get("big"));
        assertEquals(1.5, m.get("d"));
        assertEquals(1.0E10, m.get("e"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertSame(Json.NULL, m.get("n"));
        assertEquals(Arrays.<Object>asList(1L, Arrays.asList()), m.get("a"));
    }

    @Test
    public void writesWhatItReads() throws Exception {
        String s = "{\"k\":\"v\\\\\\\"\\t\",\"n\":null,\"l\":[true,false,-1,2.5],\"o\":{}}";
        assertEquals(s, Json.write(Json.parse(s)));
    }

    @Test
    public void neverFailsOtherThanWithAJsonException() {
        Random r = new Random(7);
        String alphabet = "{}[]\",:\\u0123456789.eE+-truefalsnl \t\nabc";
        for (int n = 0; n < 20000; n++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(40);
            for (int i = 0; i < len; i++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            try {
                Object v = Json.parse(b.toString());
                // Whatever parses writes back to something that parses the same.
                assertEquals(Fixtures.normalize(v), Fixtures.normalize(Json.parse(Json.write(v))));
            } catch (JsonException expected) {
                // a clear error
            }
            try {
                StreamItem.parseLine(b.toString());
            } catch (JsonException expected) {
                // a clear error
            }
        }
    }

    @Test
    public void deepNestingIsAnErrorNotAStackOverflow() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 100000; i++) {
            b.append('[');
        }
        try {
            Json.parse(b.toString());
        } catch (JsonException expected) {
            return;
        }
        throw new AssertionError("accepted");
    }
}
