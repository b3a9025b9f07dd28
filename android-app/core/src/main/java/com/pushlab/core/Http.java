package com.pushlab.core;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.Charset;

/** Plain HTTP/1.1 with JSON bodies over HttpURLConnection (JVM and Android alike). */
public final class Http {
    static final Charset UTF8 = Charset.forName("UTF-8");
    private static final int CONNECT_TIMEOUT_MS = 10000;
    private static final int READ_TIMEOUT_MS = 30000;

    private Http() {
    }

    /** A finished exchange. */
    public static final class Response {
        public final int status;
        public final String body;

        Response(int status, String body) {
            this.status = status;
            this.body = body;
        }
    }

    public static Response post(String url, String jsonBody) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        try {
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            byte[] b = jsonBody.getBytes(UTF8);
            c.setFixedLengthStreamingMode(b.length);
            OutputStream out = c.getOutputStream();
            try {
                out.write(b);
            } finally {
                out.close();
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            return new Response(status, in == null ? "" : readAll(in));
        } finally {
            c.disconnect();
        }
    }

    public static Response get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        try {
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            return new Response(status, in == null ? "" : readAll(in));
        } finally {
            c.disconnect();
        }
    }

    static String readAll(InputStream in) throws IOException {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                b.write(buf, 0, n);
            }
            return new String(b.toByteArray(), UTF8);
        } finally {
            in.close();
        }
    }

    /** A long-lived response read line by line (chunked JSON lines). */
    public static final class Lines implements Closeable {
        private final HttpURLConnection conn;
        private final BufferedReader reader;

        private Lines(HttpURLConnection conn, BufferedReader reader) {
            this.conn = conn;
            this.reader = reader;
        }

        /** Opens a streaming GET; fails unless the status is 200. */
        public static Lines open(String url) throws IOException {
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            // No read timeout: the stream idles until there is something to say.
            c.setReadTimeout(0);
            c.setRequestProperty("Accept", "application/x-ndjson");
            int status = c.getResponseCode();
            if (status != 200) {
                InputStream err = c.getErrorStream();
                String body = err == null ? "" : readAll(err);
                c.disconnect();
                throw new IOException("GET " + url + ": HTTP " + status + " " + body);
            }
            return new Lines(c, new BufferedReader(new InputStreamReader(c.getInputStream(), UTF8)));
        }

        /** The next non-empty line, or null when the server closed the stream. */
        public String next() throws IOException {
            String line;
            do {
                line = reader.readLine();
            } while (line != null && line.trim().isEmpty());
            return line;
        }

        /** Closes the connection; a reader blocked in {@link #next} fails with an IOException. */
        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            conn.disconnect();
        }
    }
}
