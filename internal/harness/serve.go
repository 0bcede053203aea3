package harness

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// ServeDir serves dir over HTTP on 127.0.0.1 until the test ends and
// returns its base URL (no trailing slash): a local-directory publish
// target becomes an apt source a fleet host can read.
func ServeDir(t testing.TB, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ServeDir: %v", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}
