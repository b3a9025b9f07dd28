package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Map;
import java.util.Random;

import org.junit.Test;

/**
 * The core's intent-URI reader and writer against fixtures/intent-uris.json,
 * the vectors the Rust side (tests/android_intent_uri.rs) checks too.
 */
public class IntentUriTest {
    private static Map<String, Object> file() throws Exception {
        return Json.asObject(Fixtures.load("intent-uris.json"), "intent-uris.json");
    }

    @SuppressWarnings("unchecked")
    private static Object expected(Object intent) {
        // Categories are a set: compare them sorted.
        Map<String, Object> m = (Map<String, Object>) Fixtures.normalize(intent);
        Object cats = m.get("categories");
        if (cats instanceof java.util.List) {
            java.util.List<Object> sorted = new java.util.ArrayList<Object>((java.util.List<Object>) cats);
            java.util.Collections.sort(sorted, new java.util.Comparator<Object>() {
                @Override
                public int compare(Object a, Object b) {
                    return a.toString().compareTo(b.toString());
                }
            });
            m.put("categories", sorted);
        }
        Object sel = m.get("selector");
        if (sel != null) {
            m.put("selector", expected(sel));
        }
        return m;
    }

    @Test
    public void everyValidVectorParsesToItsIntent() throws Exception {
        int n = 0;
        for (Object o : Json.asList(file().get("valid"), "valid")) {
            Map<String, Object> v = Json.asObject(o, "vector");
            String name = Json.str(v, "name");
            String uri = Json.str(v, "uri");
            int flags = Json.optLong(v, "flags").intValue();
            IntentUri.Parsed p = IntentUri.parse(uri, flags);
            assertEquals(name, expected(Json.obj(v, "intent")), Fixtures.wire(p.toJson()));
            if (Json.optBool(v, "canonical")) {
                assertEquals(name, uri, p.toUri());
            }
            n++;
        }
        assertTrue(n >= 20);
    }

    @Test
    public void everyInvalidVectorFailsWithItsKind() throws Exception {
        for (Object o : Json.asList(file().get("invalid"), "invalid")) {
            Map<String, Object> v = Json.asObject(o, "vector");
            String uri = Json.str(v, "uri");
            try {
                IntentUri.Parsed p = IntentUri.parse(uri, Json.optLong(v, "flags").intValue());
                fail(Json.str(v, "name") + ": parsed as " + p.toJson());
            } catch (IntentUri.ParseException e) {
                assertEquals(Json.str(v, "name"), Json.str(v, "error"), e.error.wire);
            }
        }
    }

    @Test
    public void theDemoAppsChatPageUriNamesChatActivity() throws Exception {
        IntentUri.Parsed p = IntentUri.parse("intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;"
                + "launchFlags=0x4000000;component=com.pushlab.demo/.chat.ChatActivity;S.ext=%7B%7D;end",
                IntentUri.URI_INTENT_SCHEME);
        assertEquals("pushscheme://com.pushlab.demo/detail", p.data);
        assertEquals("com.pushlab.demo.chat.ChatActivity", p.componentClass);
        assertEquals("{}", p.extras.get("ext"));
    }

    @Test
    public void writtenUrisReadBackToTheSameIntent() throws Exception {
        Random r = new Random(11);
        String chars = "abc;=%/#:. !\u4f60";
        for (int n = 0; n < 2000; n++) {
            IntentUri.Parsed p = new IntentUri.Parsed();
            p.action = r.nextBoolean() ? IntentUri.ACTION_VIEW : "com.x." + word(r, chars);
            if (r.nextBoolean()) {
                p.data = "https://example.com/" + word(r, "abc/");
            }
            if (r.nextBoolean()) {
                p.categories.add("c" + word(r, chars));
            }
            if (r.nextBoolean()) {
                p.componentPackage = "com.x";
                p.componentClass = "com.x.Main";
            }
            p.launchFlags = r.nextInt() & 0x7fffff00;
            if (r.nextBoolean()) {
                p.extras.put("k" + word(r, chars), word(r, chars));
            }
            IntentUri.Parsed back = IntentUri.parse(p.toUri(), IntentUri.URI_INTENT_SCHEME);
            assertEquals(p.toUri(), Fixtures.wire(p.toJson()), Fixtures.wire(back.toJson()));
        }
    }

    @Test
    public void randomInputIsAParseErrorNotACrash() {
        Random r = new Random(3);
        String chars = "intent:#Intent;end=SEL.Sbicdfls%0aZ/()!android-app:";
        for (int n = 0; n < 20000; n++) {
            String s = word(r, chars);
            for (int flags = 0; flags < 8; flags++) {
                try {
                    IntentUri.parse(s, flags);
                } catch (IntentUri.ParseException expected) {
                    // a clear error
                }
            }
        }
    }

    private static String word(Random r, String chars) {
        StringBuilder b = new StringBuilder();
        int len = r.nextInt(12);
        for (int i = 0; i < len; i++) {
            b.append(chars.charAt(r.nextInt(chars.length())));
        }
        return b.toString();
    }
}
