package harness

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// TestEtcdStopStart: the server answers, is gone after Stop, and answers
// again on the same address after Start.
func TestEtcdStopStart(t *testing.T) {
	e := Etcd(t)
	health := func() error {
		c := &http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get("http://" + e.Addr + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := health(); err != nil {
		t.Fatalf("etcd not answering after Etcd(): %v", err)
	}
	e.Stop()
	if c, err := net.DialTimeout("tcp", e.Addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Stop", e.Addr)
	}
	e.Start()
	if err := health(); err != nil {
		t.Fatalf("etcd not answering after Start: %v", err)
	}
}
