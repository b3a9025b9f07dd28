package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

/**
 * fixtures/ext-vectors.json, the cases the Rust model is checked against
 * ({@code tests/ext_vectors.rs}): for each vendor and path, what the device
 * hands the app and what the app must report. {@code intent_extras} is a JSON
 * object (key order is each side's own); the other values are exact text.
 */
public class ExtVectorsTest {
    private static Object extra(String name, String key, Object v) throws JsonException {
        if (v instanceof String) {
            return v;
        }
        Map<String, Object> typed = Json.asObject(v, name + ": extra " + key);
        String type = Json.str(typed, "type");
        Object value = typed.get("value");
        if ("int".equals(type) && value instanceof Long) {
            return Integer.valueOf(((Long) value).intValue());
        }
        if ("long".equals(type) && value instanceof Long) {
            return value;
        }
        if ("boolean".equals(type) && value instanceof Boolean) {
            return value;
        }
        throw new JsonException(name + ": extra " + key + ": unsupported typed value " + Json.write(v));
    }

    private static Vendor vendor(Map<String, Object> c) throws JsonException {
        Object v = c.get("vendor");
        return v == null || v == Json.NULL ? null : Vendor.parse((String) v);
    }

    /** The reports as comparable values: intent_extras parsed, the rest as text. */
    private static List<Object> comparable(List<ExtExtractor.Found> found) throws JsonException {
        List<Object> out = new ArrayList<Object>();
        for (ExtExtractor.Found f : found) {
            Object value = "intent_extras".equals(f.via) ? Fixtures.normalize(Json.parse(f.value)) : f.value;
            out.add(f.via + " " + Json.write(value));
        }
        return out;
    }

    @Test
    public void theExtractorReportsWhatEveryVectorExpects() throws Exception {
        Map<String, Object> file = Json.asObject(Fixtures.load("ext-vectors.json"), "ext-vectors.json");
        List<Object> cases = Json.asList(file.get("cases"), "cases");
        assertTrue("no vectors", cases.size() > 0);
        for (Object o : cases) {
            Map<String, Object> c = Json.asObject(o, "case");
            String name = Json.str(c, "name");
            Map<String, Object> extras = new LinkedHashMap<String, Object>();
            for (Map.Entry<String, Object> e : Json.obj(c, "extras").entrySet()) {
                extras.put(e.getKey(), extra(name, e.getKey(), e.getValue()));
            }
            String path = Json.str(c, "path");
            List<ExtExtractor.Found> got;
            if ("activity".equals(path)) {
                got = ExtExtractor.fromActivity(vendor(c), extras);
            } else if ("callback".equals(path)) {
                got = ExtExtractor.fromCallback(Json.str(c, "action"), extras);
            } else {
                throw new JsonException(name + ": unknown path " + path);
            }
            List<ExtExtractor.Found> want = new ArrayList<ExtExtractor.Found>();
            for (Object r : Json.asList(c.get("reported"), name + ": reported")) {
                Map<String, Object> m = Json.asObject(r, name + ": reported");
                want.add(new ExtExtractor.Found(Json.str(m, "via"), Json.str(m, "value")));
            }
            assertEquals(name, comparable(want), comparable(got));
        }
    }
}
