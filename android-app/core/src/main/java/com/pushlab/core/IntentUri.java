package com.pushlab.core;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A plain-Java reading of Android's intent-URI grammar
 * ({@code Intent.parseUri(uri, flags)} and {@code toUri(URI_INTENT_SCHEME)}),
 * for checks on the JVM. On a device the agent always calls the real
 * {@code Intent.parseUri}; this mirrors pushlab's Rust parser, which is
 * deliberately stricter than Android in four cases (bad percent escapes,
 * unparsable {@code component=} / {@code sourceBounds=}, a missing
 * {@code end}) so that a broken URI in a certificate is reported rather than
 * silently altered.
 */
public final class IntentUri {
    public static final int URI_INTENT_SCHEME = 1;
    public static final int URI_ANDROID_APP_SCHEME = 2;
    public static final int URI_ALLOW_UNSAFE = 4;
    static final String ACTION_VIEW = "android.intent.action.VIEW";
    static final String ACTION_MAIN = "android.intent.action.MAIN";
    /** Grant-URI-permission launch flags, stripped unless URI_ALLOW_UNSAFE. */
    static final int UNSAFE_FLAGS = 0x1 | 0x2 | 0x40 | 0x80;

    /** Why a URI does not parse. */
    public enum Error {
        UNTERMINATED("unterminated"),
        MALFORMED_ITEM("malformed_item"),
        BAD_LAUNCH_FLAGS("bad_launch_flags"),
        UNKNOWN_EXTRA_TYPE("unknown_extra_type"),
        BAD_EXTRA_VALUE("bad_extra_value"),
        BAD_PERCENT_ENCODING("bad_percent_encoding"),
        BAD_COMPONENT("bad_component"),
        BAD_SOURCE_BOUNDS("bad_source_bounds"),
        BAD_LEGACY_FRAGMENT("bad_legacy_fragment");

        public final String wire;

        Error(String wire) {
            this.wire = wire;
        }
    }

    /** A URI that does not parse, and why. */
    public static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;
        public final Error error;

        ParseException(Error error, String detail) {
            super(error.wire + ": " + detail);
            this.error = error;
        }
    }

    /** The parsed intent: the fields {@code Intent.parseUri} sets. */
    public static final class Parsed {
        public String action;
        /** The data URI as written (still percent-encoded), or null. */
        public String data;
        public String type;
        public String identifier;
        public String packageName;
        public final Set<String> categories = new LinkedHashSet<String>();
        /** Package and fully qualified class, or null. */
        public String componentPackage;
        public String componentClass;
        public int launchFlags;
        /** left, top, right, bottom; or null. */
        public int[] sourceBounds;
        /** In URI order; values are String, Boolean, Byte, Character, Double, Float, Integer, Long, Short. */
        public final Map<String, Object> extras = new LinkedHashMap<String, Object>();
        public Parsed selector;

        /** The shape of fixtures/intent-uris.json's {@code intent} objects (absent = null/empty/0). */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new TreeMap<String, Object>();
            put(m, "action", action);
            put(m, "data", data);
            put(m, "type", type);
            put(m, "identifier", identifier);
            put(m, "package", packageName);
            if (!categories.isEmpty()) {
                m.put("categories", new ArrayList<Object>(new java.util.TreeSet<String>(categories)));
            }
            if (componentPackage != null) {
                m.put("component", componentPackage + "/" + componentClass);
            }
            if (launchFlags != 0) {
                m.put("launch_flags", launchFlags & 0xffffffffL);
            }
            if (sourceBounds != null) {
                Map<String, Object> b = new TreeMap<String, Object>();
                b.put("left", (long) sourceBounds[0]);
                b.put("top", (long) sourceBounds[1]);
                b.put("right", (long) sourceBounds[2]);
                b.put("bottom", (long) sourceBounds[3]);
                m.put("source_bounds", b);
            }
            if (!extras.isEmpty()) {
                Map<String, Object> x = new TreeMap<String, Object>();
                for (Map.Entry<String, Object> e : extras.entrySet()) {
                    Map<String, Object> t = new TreeMap<String, Object>();
                    t.put("type", typeName(e.getValue()));
                    Object v = e.getValue();
                    t.put("value", v instanceof Character ? String.valueOf(v) : v);
                    x.put(e.getKey(), t);
                }
                m.put("extras", x);
            }
            if (selector != null) {
                m.put("selector", selector.toJson());
            }
            return m;
        }

        private static void put(Map<String, Object> m, String k, String v) {
            if (v != null) {
                m.put(k, v);
            }
        }

        /** {@code toUri(URI_INTENT_SCHEME)}. */
        public String toUri() {
            StringBuilder uri = new StringBuilder();
            String scheme = null;
            if (data != null) {
                String d = data;
                int colon = schemeEnd(d);
                if (colon > 0) {
                    scheme = d.substring(0, colon);
                    d = d.substring(colon + 1);
                }
                uri.append("intent:").append(d);
            } else {
                uri.append("intent:");
            }
            StringBuilder frag = new StringBuilder();
            inner(frag, scheme, ACTION_VIEW);
            if (selector != null) {
                frag.append("SEL;");
                String selScheme = null;
                if (selector.data != null) {
                    int colon = schemeEnd(selector.data);
                    if (colon > 0) {
                        selScheme = selector.data.substring(0, colon);
                    }
                }
                selector.inner(frag, selScheme, null);
            }
            if (frag.length() > 0) {
                uri.append("#Intent;").append(frag).append("end");
            }
            return uri.toString();
        }

        private void inner(StringBuilder b, String scheme, String defaultAction) {
            if (scheme != null) {
                b.append("scheme=").append(encode(scheme, "")).append(';');
            }
            if (action != null && !action.equals(defaultAction)) {
                b.append("action=").append(encode(action, "")).append(';');
            }
            for (String c : categories) {
                b.append("category=").append(encode(c, "")).append(';');
            }
            if (type != null) {
                b.append("type=").append(encode(type, "/")).append(';');
            }
            if (identifier != null) {
                b.append("identifier=").append(encode(identifier, "/")).append(';');
            }
            if (launchFlags != 0) {
                b.append("launchFlags=0x").append(Integer.toHexString(launchFlags)).append(';');
            }
            if (packageName != null) {
                b.append("package=").append(encode(packageName, "")).append(';');
            }
            if (componentPackage != null) {
                String cls = componentClass.startsWith(componentPackage + ".")
                        ? componentClass.substring(componentPackage.length()) : componentClass;
                b.append("component=").append(encode(componentPackage + "/" + cls, "/")).append(';');
            }
            if (sourceBounds != null) {
                b.append("sourceBounds=").append(encode(sourceBounds[0] + " " + sourceBounds[1] + " "
                        + sourceBounds[2] + " " + sourceBounds[3], "")).append(';');
            }
            for (Map.Entry<String, Object> e : extras.entrySet()) {
                b.append(prefix(e.getValue())).append('.').append(encode(e.getKey(), "")).append('=')
                        .append(encode(String.valueOf(e.getValue()), "")).append(';');
            }
        }
    }

    private IntentUri() {
    }

    /** {@code Intent.parseUri(uri, flags)}, with pushlab's strictness. */
    public static Parsed parse(String uri, int flags) throws ParseException {
        try {
            return parseInternal(uri, flags);
        } catch (IndexOutOfBoundsException e) {
            throw new ParseException(Error.UNTERMINATED, "illegal Intent URI format");
        }
    }

    private static Parsed parseInternal(String uri, int flags) throws ParseException {
        boolean androidApp = uri.startsWith("android-app:");
        if ((flags & (URI_INTENT_SCHEME | URI_ANDROID_APP_SCHEME)) != 0 && !uri.startsWith("intent:") && !androidApp) {
            Parsed p = new Parsed();
            p.action = ACTION_VIEW;
            p.data = uri;
            return p;
        }
        int hash = uri.lastIndexOf('#');
        if (hash < 0) {
            if (!androidApp) {
                Parsed p = new Parsed();
                p.action = ACTION_VIEW;
                p.data = uri;
                return p;
            }
        } else if (!uri.startsWith("#Intent;", hash)) {
            if (!androidApp) {
                return legacy(uri, hash);
            }
            hash = -1;
        }
        Parsed intent = new Parsed();
        intent.action = ACTION_VIEW;
        Parsed base = intent;
        boolean explicitAction = false;
        boolean inSelector = false;
        String scheme = null;
        String data = hash >= 0 ? uri.substring(0, hash) : uri;
        if (hash >= 0) {
            int i = hash + "#Intent;".length();
            boolean ended = false;
            while (i < uri.length()) {
                if (uri.startsWith("end", i) && (i + 3 == uri.length() || uri.charAt(i + 3) == ';')) {
                    ended = true;
                    break;
                }
                int semi = uri.indexOf(';', i);
                if (semi < 0) {
                    throw new ParseException(Error.UNTERMINATED, "no ';' or 'end' after offset " + i);
                }
                String item = uri.substring(i, semi);
                i = semi + 1;
                if (item.equals("SEL")) {
                    intent = new Parsed();
                    inSelector = true;
                    continue;
                }
                int eq = item.indexOf('=');
                if (eq < 0) {
                    throw new ParseException(Error.MALFORMED_ITEM, item);
                }
                String name = item.substring(0, eq);
                String value = decode(item.substring(eq + 1));
                if (name.equals("action")) {
                    intent.action = value;
                    if (!inSelector) {
                        explicitAction = true;
                    }
                } else if (name.equals("category")) {
                    intent.categories.add(value);
                } else if (name.equals("type")) {
                    intent.type = value;
                } else if (name.equals("identifier")) {
                    intent.identifier = value;
                } else if (name.equals("launchFlags")) {
                    intent.launchFlags = launchFlags(value, flags);
                } else if (name.equals("package")) {
                    intent.packageName = value;
                } else if (name.equals("component")) {
                    String[] c = DisplayPlan.splitComponent(value);
                    if (c == null) {
                        throw new ParseException(Error.BAD_COMPONENT, value);
                    }
                    intent.componentPackage = c[0];
                    intent.componentClass = c[1];
                } else if (name.equals("scheme")) {
                    if (inSelector) {
                        intent.data = value + ":";
                    } else {
                        scheme = value;
                    }
                } else if (name.equals("sourceBounds")) {
                    intent.sourceBounds = bounds(value);
                } else if (name.length() >= 2 && name.charAt(1) == '.') {
                    String key = decode(name.substring(2));
                    intent.extras.put(key, extra(name.charAt(0), value, item));
                } else {
                    throw new ParseException(Error.UNKNOWN_EXTRA_TYPE, item);
                }
            }
            if (!ended) {
                throw new ParseException(Error.UNTERMINATED, "no 'end'");
            }
            if (inSelector) {
                if (base.packageName == null) {
                    base.selector = intent;
                }
                intent = base;
            }
        }
        if (data.startsWith("intent:")) {
            data = data.substring("intent:".length());
            if (scheme != null) {
                data = scheme + ":" + data;
            }
        } else if (androidApp) {
            data = androidAppData(intent, data, explicitAction);
        }
        if (data.length() > 0) {
            intent.data = data;
        }
        return intent;
    }

    /** {@code android-app://pkg[/scheme[/host[/path]]]}: sets the package, returns the data. */
    private static String androidAppData(Parsed intent, String data, boolean explicitAction) {
        String prefix = "android-app://";
        if (!data.startsWith(prefix)) {
            return "";
        }
        int start = prefix.length();
        int end = data.indexOf('/', start);
        if (end < 0) {
            intent.packageName = data.substring(start);
            if (!explicitAction) {
                intent.action = ACTION_MAIN;
            }
            return "";
        }
        intent.packageName = data.substring(start, end);
        String scheme = null;
        String authority = null;
        if (end + 1 < data.length()) {
            int next = data.indexOf('/', end + 1);
            if (next >= 0) {
                scheme = data.substring(end + 1, next);
                end = next;
                if (end < data.length() && (next = data.indexOf('/', end + 1)) >= 0) {
                    authority = data.substring(end + 1, next);
                    end = next;
                }
            } else {
                scheme = data.substring(end + 1);
            }
        }
        if (scheme == null) {
            if (!explicitAction) {
                intent.action = ACTION_MAIN;
            }
            return "";
        }
        if (authority == null) {
            return scheme + ":";
        }
        return scheme + "://" + authority + data.substring(end);
    }

    /** The pre-1.0 fragment: {@code #action(..)categories(a!b)type(..)launchFlags(..)component(p!c)extras(Tk=v!..)}. */
    private static Parsed legacy(String uri, int hash) throws ParseException {
        Parsed p = new Parsed();
        p.action = ACTION_VIEW;
        p.data = uri.substring(0, hash);
        int i = hash + 1;
        while (i < uri.length()) {
            int open = uri.indexOf('(', i);
            int close = open < 0 ? -1 : uri.indexOf(')', open);
            if (open < 0 || close < 0) {
                throw new ParseException(Error.BAD_LEGACY_FRAGMENT, uri.substring(i));
            }
            String name = uri.substring(i, open);
            String body = uri.substring(open + 1, close);
            i = close + 1;
            if (name.equals("action")) {
                p.action = body;
            } else if (name.equals("categories")) {
                for (String c : body.split("!")) {
                    p.categories.add(c);
                }
            } else if (name.equals("type")) {
                p.type = body;
            } else if (name.equals("launchFlags")) {
                p.launchFlags = launchFlags(body, URI_ALLOW_UNSAFE);
            } else if (name.equals("component")) {
                int bang = body.indexOf('!');
                if (bang <= 0) {
                    throw new ParseException(Error.BAD_LEGACY_FRAGMENT, body);
                }
                p.componentPackage = body.substring(0, bang);
                p.componentClass = body.substring(bang + 1);
            } else if (name.equals("extras")) {
                for (String e : body.split("!")) {
                    int eq = e.indexOf('=');
                    if (eq < 2) {
                        throw new ParseException(Error.BAD_LEGACY_FRAGMENT, e);
                    }
                    p.extras.put(decode(e.substring(1, eq)), extra(e.charAt(0), decode(e.substring(eq + 1)), e));
                }
            } else {
                throw new ParseException(Error.BAD_LEGACY_FRAGMENT, name);
            }
        }
        return p;
    }

    private static int launchFlags(String value, int flags) throws ParseException {
        int f;
        try {
            f = Integer.decode(value);
        } catch (NumberFormatException e) {
            throw new ParseException(Error.BAD_LAUNCH_FLAGS, value);
        }
        if ((flags & URI_ALLOW_UNSAFE) == 0) {
            f &= ~UNSAFE_FLAGS;
        }
        return f;
    }

    private static int[] bounds(String value) throws ParseException {
        String[] parts = value.trim().split(" ");
        if (parts.length != 4) {
            throw new ParseException(Error.BAD_SOURCE_BOUNDS, value);
        }
        int[] b = new int[4];
        try {
            for (int k = 0; k < 4; k++) {
                b[k] = Integer.parseInt(parts[k]);
            }
        } catch (NumberFormatException e) {
            throw new ParseException(Error.BAD_SOURCE_BOUNDS, value);
        }
        return b;
    }

    private static Object extra(char type, String value, String item) throws ParseException {
        try {
            switch (type) {
                case 'S':
                    return value;
                case 'B':
                    return Boolean.parseBoolean(value);
                case 'b':
                    return Byte.parseByte(value);
                case 'c':
                    if (value.isEmpty()) {
                        throw new ParseException(Error.BAD_EXTRA_VALUE, item);
                    }
                    return value.charAt(0);
                case 'd':
                    return Double.parseDouble(value);
                case 'f':
                    return Float.parseFloat(value);
                case 'i':
                    return Integer.parseInt(value);
                case 'l':
                    return Long.parseLong(value);
                case 's':
                    return Short.parseShort(value);
                default:
                    throw new ParseException(Error.UNKNOWN_EXTRA_TYPE, item);
            }
        } catch (NumberFormatException e) {
            throw new ParseException(Error.BAD_EXTRA_VALUE, item);
        }
    }

    static String typeName(Object v) {
        if (v instanceof String) {
            return "string";
        } else if (v instanceof Boolean) {
            return "boolean";
        } else if (v instanceof Byte) {
            return "byte";
        } else if (v instanceof Character) {
            return "char";
        } else if (v instanceof Double) {
            return "double";
        } else if (v instanceof Float) {
            return "float";
        } else if (v instanceof Integer) {
            return "int";
        } else if (v instanceof Long) {
            return "long";
        }
        return "short";
    }

    static char prefix(Object v) {
        String t = typeName(v);
        if (t.equals("string")) {
            return 'S';
        } else if (t.equals("boolean")) {
            return 'B';
        }
        return t.charAt(0);
    }

    /** Index of the scheme's ':' ({@code [A-Za-z0-9.+-]+:}), or -1. */
    static int schemeEnd(String d) {
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (c == ':') {
                return i > 0 ? i : -1;
            }
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '+' || c == '-';
            if (!ok) {
                return -1;
            }
        }
        return -1;
    }

    /** {@code Uri.decode}, strictly: a bad escape or invalid UTF-8 is an error; '+' stays '+'. */
    static String decode(String s) throws ParseException {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] raw = s.getBytes(Http.UTF8);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%') {
                if (i + 2 >= raw.length) {
                    throw new ParseException(Error.BAD_PERCENT_ENCODING, s);
                }
                int hi = Character.digit(raw[i + 1], 16);
                int lo = Character.digit(raw[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    throw new ParseException(Error.BAD_PERCENT_ENCODING, s);
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(raw[i]);
            }
        }
        java.nio.charset.CharsetDecoder dec = Http.UTF8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        try {
            return dec.decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ParseException(Error.BAD_PERCENT_ENCODING, s);
        }
    }

    /** {@code Uri.encode(s, allow)}: keeps {@code A-Za-z0-9_-!.~'()*} and {@code allow}. */
    static String encode(String s, String allow) {
        StringBuilder b = new StringBuilder();
        byte[] bytes = s.getBytes(Http.UTF8);
        for (byte x : bytes) {
            int c = x & 0xff;
            boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_-!.~'()*".indexOf(c) >= 0 || (c < 0x80 && allow.indexOf(c) >= 0);
            if (keep) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

}
