package verify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A base URL with basic-auth credentials (a private mirror) is used for the
// requests, but its password appears neither in the report nor the error.
func TestCredentialsNotInReport(t *testing.T) {
	r := newRepo(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != "user" || p != "s3cr3t" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.FileServer(http.Dir(r.dir)).ServeHTTP(w, req)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := strings.Replace(srv.URL, "http://", "http://user:s3cr3t@", 1)
	rep, err := Repository(ctx, base, r.keyring, Options{Dists: []string{dist}})
	if err != nil {
		t.Fatalf("verify with basic auth: %v", err)
	}
	if strings.Contains(rep.URL, "s3cr3t") || !strings.Contains(rep.URL, "user:xxxxx@") {
		t.Errorf("report URL %q: want the password redacted", rep.URL)
	}
	rep, err = Repository(ctx, "http://user:s3cr3t@127.0.0.1:1/apt", r.keyring, Options{Dists: []string{dist}})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(rep.URL, "s3cr3t") {
		t.Errorf("unreachable repository: error %v, report URL %q: want a failure without the password", err, rep.URL)
	}
	for _, raw := range []string{"http://u:p%zz@h/x", "http://u:p w@h/x"} {
		if got := redactURL(raw); strings.Contains(got, ":p") {
			t.Errorf("redactURL(%q) = %q", raw, got)
		}
	}
}
