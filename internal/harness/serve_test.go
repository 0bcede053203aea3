package harness

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "dists", "x"), 0o755)
	os.WriteFile(filepath.Join(dir, "dists", "x", "InRelease"), []byte("signed"), 0o644)
	base := ServeDir(t, dir)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base URL %q must be on 127.0.0.1", base)
	}
	for path, want := range map[string]int{"/dists/x/InRelease": 200, "/dists/x/Release": 404} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && string(body) != "signed" {
			t.Errorf("GET %s body = %q", path, body)
		}
	}
}
