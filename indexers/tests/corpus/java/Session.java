package com.example.http;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A session keeps cookies between requests.
 */
public class Session implements AutoCloseable {
    private final String baseUrl;
    private final Map<String, String> cookies = new HashMap<>();

    public Session(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** Sends one request. */
    @Deprecated
    public Response request(String method, String path) throws IOException {
        String url = baseUrl + path;
        return new Response(200, url);
    }

    @Override
    public void close() {
        cookies.clear();
    }

    public static class Builder {
        private String url;

        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Session build() {
            return new Session(url);
        }
    }

    public record Response(int status, String body) {}

    enum State {
        OPEN,
        CLOSED;

        boolean isOpen() {
            return this == OPEN;
        }
    }
}

interface Transport {
    String send(String url);
}
