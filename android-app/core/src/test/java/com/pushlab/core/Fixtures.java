package com.pushlab.core;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared vectors under the repository's fixtures/ directory. */
final class Fixtures {
    private Fixtures() {
    }

    static File dir() {
        String p = System.getProperty("pushlab.fixtures");
        if (p == null) {
            throw new IllegalStateException("run with -Dpushlab.fixtures=<repo>/fixtures (android-app/build.sh test does)");
        }
        return new File(p);
    }

    static Object load(String relative) throws IOException, JsonException {
        byte[] b = Files.readAllBytes(new File(dir(), relative).toPath());
        return Json.parse(new String(b, "UTF-8"));
    }

    /** A gateway vector file: name -> value, in file order. */
    static Map<String, Map<String, Object>> gateway(String file) throws Exception {
        Map<String, Map<String, Object>> out = new LinkedHashMap<String, Map<String, Object>>();
        for (Object o : Json.asList(load("gateway/" + file), file)) {
            Map<String, Object> e = Json.asObject(o, "vector");
            out.put(Json.str(e, "name"), Json.obj(e, "value"));
        }
        return out;
    }

    /** JSON equality where an absent key equals null or an empty array, as the Rust side compares. */
    @SuppressWarnings("unchecked")
    static Object normalize(Object v) {
        if (v instanceof Map) {
            Map<String, Object> out = new java.util.TreeMap<String, Object>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                Object x = e.getValue();
                if (x == null || x == Json.NULL || (x instanceof List && ((List<Object>) x).isEmpty())) {
                    continue;
                }
                out.put(e.getKey(), normalize(x));
            }
            return out;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<Object>();
            for (Object x : (List<Object>) v) {
                out.add(normalize(x));
            }
            return out;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return (long) d;
            }
            return d;
        }
        if (v instanceof Number) {
            return ((Number) v).longValue();
        }
        return v;
    }

    /** Writes a value and reads it back, so comparisons see what goes on the wire. */
    static Object wire(Object v) throws JsonException {
        return normalize(Json.parse(Json.write(v)));
    }
}
