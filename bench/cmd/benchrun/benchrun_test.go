package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Lines as versitygw v1.8.0 writes them (trimmed after the user agent).
const sampleLog = `log starts 2026-12-03 03:37:37
AK bench [03/December/2026:03:37:39 +0000] 127.0.0.1 AK ID1 s3_PutObject p/pool/a.deb /bench/p/pool/a.deb?x-id=PutObject 200 - 0 2896 5 5 - ua -
AK bench [03/December/2026:03:37:40 +0000] 127.0.0.1 AK ID2 s3_HeadObject p/dists/x /bench/p/dists/x 404 NoSuchKey 0 0 0 0 - ua -
AK bench [03/December/2026:03:37:40 +0000] 127.0.0.1 AK ID3 s3_CopyObject p/dists/y /bench/p/dists/y 200 - 180 0 1 1 - ua -
AK bench [03/December/2026:03:37:42 +0000] 127.0.0.1 AK ID4 s3_DeleteObjects - /bench?delete= 200 - 97 0 0 0 - ua -
AK bench [03/December/2026:03:37:42 +0000] 127.0.0.1 AK ID5 s3_ListObjectsV2 - /bench?list-type=2&prefix=p%2F 200 - 5000 0 0 0 - ua -
AK bench [03/December/2026:03:37:42 +0000] 127.0.0.1 AK ID6 s3_PutObject p/key with space.deb /bench/p/key%20with%20space.deb 200 - 0 100 5 5 - ua -
`

func TestCountSince(t *testing.T) {
	dir := t.TempDir()
	s := &s3Server{logPath: filepath.Join(dir, "access.log")}
	if err := os.WriteFile(s.logPath, []byte(sampleLog), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := s.countSince(0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"PUT": 2, "HEAD": 1, "COPY": 1, "DELETE": 1, "LIST": 1}
	for m, n := range want {
		if c.ByMethod[m] != n {
			t.Errorf("%s: %d, want %d (all: %v)", m, c.ByMethod[m], n, c.ByMethod)
		}
	}
	if c.PutBytes != 2996 || c.Errors != 1 || c.RespBytes != 5277 {
		t.Errorf("put bytes %d (want 2996), errors %d (want 1), response bytes %d (want 5277)", c.PutBytes, c.Errors, c.RespBytes)
	}
	if got := fmtCounts(c); got != "2/1/1/1/1/0 (1 err)" {
		t.Errorf("fmtCounts = %q", got)
	}
}

func TestMedian(t *testing.T) {
	run := func(wall time.Duration, rss int64) []measure {
		return []measure{{Tool: "aptly", Op: ops[0], Wall: wall, Publish: wall / 2, MaxRSSKB: rss}}
	}
	m := median([][]measure{run(3*time.Second, 10), run(1*time.Second, 30), run(2*time.Second, 20)})
	if m[0].Wall != 2*time.Second || m[0].Publish != time.Second || m[0].MaxRSSKB != 30 || len(m[0].Runs) != 3 {
		t.Fatalf("median = %+v", m[0])
	}
}
