package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// S3Server is a real S3 server (versitygw, posix backend) on loopback with
// one bucket whose objects anyone may GET, as a public apt bucket.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string

	t       testing.TB
	bin     string
	addr    string
	dir     string
	logPath string
	setup   Mark // end of the harness's own requests in the access log

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// S3 starts a versitygw server for the test and stops it in t.Cleanup.
func S3(t testing.TB) *S3Server {
	t.Helper()
	dir := t.TempDir()
	s := &S3Server{
		Bucket:    "repoctl-test",
		AccessKey: "AK" + randomHex(t, 8),
		SecretKey: randomHex(t, 20),
		Region:    "us-east-1",
		t:         t,
		bin:       versitygwBinary(t),
		dir:       dir,
		logPath:   filepath.Join(dir, "access.log"),
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.startFreePort()
	s.createPublicBucket()
	s.setup = s.Mark()
	return s
}

// startFreePort picks a free port and starts there; another process may
// grab the port between the probe and the start, so it tries a few times.
func (s *S3Server) startFreePort() {
	s.t.Helper()
	var err error
	for i := 0; i < 5; i++ {
		s.addr = freeAddr(s.t)
		s.Endpoint = "http://" + s.addr
		if err = s.start(); err == nil {
			return
		}
	}
	s.t.Fatalf("start versitygw: %v", err)
}

// Start restarts a stopped server on the same port and data directory, so
// a test can fail a transfer midway and resume it. A running server is
// left alone.
func (s *S3Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("restart versitygw on %s: %v", s.addr, err)
	}
}

func (s *S3Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	out, err := os.OpenFile(filepath.Join(s.dir, "versitygw.out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(s.bin, "--port", s.addr, "--access", s.AccessKey, "--secret", s.SecretKey,
		"--region", s.Region, "--access-log", s.logPath, "--quiet", "posix", filepath.Join(s.dir, "data"))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: a Ctrl-C of go test must not reach it first, and
	// Stop signals exactly this server.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	err = waitHTTP(s.Endpoint, exited)
	select {
	case <-exited: // the answer came from whoever holds the port
		err = fmt.Errorf("versitygw exited: %s is taken", s.addr)
	default:
	}
	if err != nil {
		cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(out.Name())
		return fmt.Errorf("%v\n%s", err, tail(string(log), 20))
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s). The data and
// the access log stay; Start brings it back.
func (s *S3Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}
