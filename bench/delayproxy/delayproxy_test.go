package delayproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestOneDelayPerRequest: keep-alive requests through the proxy each take
// at least the delay, and the proxy counts one request per HTTP request.
func TestOneDelayPerRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	p, err := Start(strings.TrimPrefix(srv.URL, "http://"), 30*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := &http.Client{Timeout: 10 * time.Second}
	const n = 5
	start := time.Now()
	for i := 0; i < n; i++ {
		body := strings.NewReader(strings.Repeat("x", 300<<10)) // several chunks
		resp, err := c.Post("http://"+p.Addr()+"/k", "application/octet-stream", body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("answer %q", b)
		}
	}
	el := time.Since(start)
	if el < n*30*time.Millisecond {
		t.Fatalf("%d requests took %s, want >= %s", n, el, n*30*time.Millisecond)
	}
	if got := p.Requests(); got != n {
		t.Fatalf("proxy counted %d requests, want %d", got, n)
	}
	t.Logf("%d requests in %s", n, el)
}
