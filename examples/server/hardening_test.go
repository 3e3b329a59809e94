package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestTrustedProxiesFlag: the request log (and the login throttle) see the
// X-Forwarded-For client only when the peer is a configured proxy.
func TestTrustedProxiesFlag(t *testing.T) {
	get := func(s *server) {
		req, _ := http.NewRequest("GET", s.url+"/healthz", nil)
		req.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	trusting := start(t, map[string]string{"HANOK_TRUSTED_PROXIES": "127.0.0.1/32, ::1"}, "-db", "memory")
	get(trusting)
	trusting.stop()
	if !strings.Contains(trusting.out.String(), "addr=198.51.100.9") {
		t.Fatalf("X-Forwarded-For from a trusted proxy not honoured:\n%s", trusting.out.String())
	}
	plain := start(t, nil, "-db", "memory")
	get(plain)
	plain.stop()
	if strings.Contains(plain.out.String(), "198.51.100.9") || !strings.Contains(plain.out.String(), "addr=127.0.0.1") {
		t.Fatalf("X-Forwarded-For honoured without -trusted-proxies:\n%s", plain.out.String())
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"-db", "memory", "-trusted-proxies", "10.0.0.0/99"}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "-trusted-proxies") {
		t.Fatalf("bad -trusted-proxies = %v", err)
	}
}
