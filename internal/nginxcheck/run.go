package nginxcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Server is an nginx started by Run.
type Server struct {
	Base     string // http://127.0.0.1:PORT
	ErrorLog string
	cmd      *exec.Cmd
	out      *bytes.Buffer
	done     chan error
}

// FreePort returns a loopback address nobody listens on right now.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Run writes c's nginx.conf into c.Dir, tests it with -t, starts binary in
// the foreground (-p prefix, the error log kept out of the prefix with -e)
// and waits until it accepts connections.
func Run(ctx context.Context, binary, prefix string, c Conf) (*Server, error) {
	if c.User == "" && os.Geteuid() == 0 {
		c.User = "root"
	}
	conf, err := Config(c)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, err
	}
	confPath := filepath.Join(c.Dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	errLog := filepath.Join(c.Dir, "error.log")
	args := []string{"-p", prefix + "/", "-e", errLog, "-c", confPath}
	if out, err := exec.CommandContext(ctx, binary, append(args, "-t")...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s -t: %v\n%s", binary, err, out)
	}
	s := &Server{Base: "http://" + c.Listen, ErrorLog: errLog, out: &bytes.Buffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitListening(ctx, c.Listen); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitListening waits for the port, failing early if nginx exits (a Lua
// start-up error, for instance, which nginx -t does not catch).
func (s *Server) waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("nginx exited at start-up (%v): %s\nerror log:\n%s", err, s.out, readTail(s.ErrorLog))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nginx did not listen on %s within 15s\nerror log:\n%s", addr, readTail(s.ErrorLog))
}

// Stop asks nginx to exit (SIGTERM: fast shutdown; a graceful SIGQUIT
// waits seconds for push-stream subscribers), then kills it after 5s.
func (s *Server) Stop() error {
	if s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		return nil
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("nginx did not stop within 5s of SIGTERM; killed")
	}
}

func readTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}
