package harness

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EtcdServer is a single-member etcd (Debian's etcd-server) on loopback
// with a data directory of its own; it is the test's, not the system's
// (the systemd unit the package installs is never used).
type EtcdServer struct {
	Addr string // 127.0.0.1:PORT (clients)
	URL  string // etcd://127.0.0.1:PORT, without a prefix

	t        testing.TB
	bin      string
	dir      string
	peerAddr string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Etcd starts an etcd server for the test and kills it in t.Cleanup. A
// missing etcd binary fails the test under CI=true and skips it elsewhere.
func Etcd(t testing.TB) *EtcdServer {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		missing(t, "this test needs etcd (apt-get install etcd-server): %v", err)
	}
	e := &EtcdServer{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(e.Stop)
	for i := 0; ; i++ {
		e.Addr, e.peerAddr = freeAddr(t), freeAddr(t)
		e.URL = "etcd://" + e.Addr
		err := e.start()
		if err == nil {
			return e
		}
		if i == 4 {
			t.Fatalf("start etcd: %v", err)
		}
	}
}

// Start restarts a stopped server on the same ports and data, so a test can
// take etcd away and bring it back. A running server is left alone.
func (e *EtcdServer) Start() {
	e.t.Helper()
	if err := e.start(); err != nil {
		e.t.Fatalf("restart etcd on %s: %v", e.Addr, err)
	}
}

func (e *EtcdServer) start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cmd != nil {
		return nil
	}
	logPath := filepath.Join(e.dir, "etcd.log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	client, peer := "http://"+e.Addr, "http://"+e.peerAddr
	cmd := exec.Command(e.bin, "--name", "default", "--data-dir", filepath.Join(e.dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "default="+peer)
	cmd.Stdout, cmd.Stderr = out, out
	if runtime.GOARCH != "amd64" {
		// etcd 3.4 refuses to start on other architectures without this.
		cmd.Env = append(os.Environ(), "ETCD_UNSUPPORTED_ARCH="+runtime.GOARCH)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := waitEtcd(client+"/health", exited); err != nil {
		cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%v\n%s", err, tail(string(log), 20))
	}
	e.cmd, e.exited = cmd, exited
	return nil
}

// waitEtcd waits until /health answers 200 (the member has elected itself
// leader and serves requests), or etcd exits, or 30 s pass.
func waitEtcd(url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("etcd exited before answering on %s", url)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("etcd was not healthy on %s within 30s", url)
}

// Stop kills the server (SIGKILL: an etcd that dies is what fault tests
// want). The data stays; Start brings it back.
func (e *EtcdServer) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cmd == nil {
		return
	}
	e.cmd.Process.Kill()
	<-e.exited
	e.cmd, e.exited = nil, nil
	// The kernel frees the port at once for a listener that died, but make
	// sure: a restart on a port still bound would fail confusingly.
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", e.Addr)
		if err == nil {
			l.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
