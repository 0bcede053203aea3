package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/debarchive"
)

// DebianFile returns the local path of a file of the Debian archive
// ("main" or "security", located through the host's apt sources), fetched
// once into CacheDir()/debian/<sha256> and verified against sha256 on
// every call. A mismatch fails the test naming both sums.
func DebianFile(t testing.TB, archive, poolPath, sum string) string {
	t.Helper()
	path := filepath.Join(CacheDir(), "debian", sum)
	if got, err := fileSHA256(path); err == nil && got == sum {
		return path
	}
	unlock := lockFile(t, path+".lock")
	defer unlock()
	if got, err := fileSHA256(path); err == nil && got == sum {
		return path // fetched by another test binary while we waited
	}
	entries, err := debarchive.Load(debarchive.DefaultRoot)
	if err != nil {
		missing(t, "DebianFile needs the host's apt sources: %v", err)
	}
	url, err := debarchive.PoolURL(entries, archive, poolPath)
	if err != nil {
		t.Fatalf("DebianFile %s: %v", poolPath, err)
	}
	got, err := download(url, path+".part")
	if err != nil {
		t.Fatalf("DebianFile: %v", err)
	}
	if got != sum {
		os.Remove(path + ".part")
		t.Fatalf("DebianFile %s: SHA-256 mismatch: expected %s, got %s", url, sum, got)
	}
	if err := os.Rename(path+".part", path); err != nil {
		t.Fatal(err)
	}
	return path
}

// download writes url to dst and returns the SHA-256 of what it wrote.
func download(url, dst string) (string, error) {
	client := &http.Client{Timeout: 10 * time.Minute}
	resp, err := client.Get(url)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), resp.Body); err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
