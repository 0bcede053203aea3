package compile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tailLines is how much of a failed step's log goes into the error: enough
// for a compiler error with its context, short enough for a CI page.
const tailLines = 40

// stepError is a failed step: its name, its log and the log's end.
type stepError struct {
	step, log, tail string
	err             error
}

func (e *stepError) Error() string {
	if strings.TrimSpace(e.tail) == "" {
		return fmt.Sprintf("build step %s failed: %v\nlog: %s (empty)", e.step, e.err, e.log)
	}
	return fmt.Sprintf("build step %s failed: %v\nlog: %s\nlast lines of the log:\n%s", e.step, e.err, e.log, e.tail)
}

func (e *stepError) Unwrap() error { return e.err }

// stepLog opens logs/<n>-<name>.log for the next step.
func (b *builder) stepLog(name string) (*os.File, error) {
	b.steps++
	p := filepath.Join(b.dir, "logs", fmt.Sprintf("%d-%s.log", b.steps, name))
	return os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
}

// step runs fn with its output going to the step's log (and Options.Log),
// reports the step's duration, and turns a failure into a stepError.
func (b *builder) step(name string, fn func(w io.Writer) error) error {
	f, err := b.stepLog(name)
	if err != nil {
		return err
	}
	start := time.Now()
	err = fn(io.MultiWriter(f, b.o.Log))
	f.Close()
	took := time.Since(start).Round(10 * time.Millisecond)
	if err != nil {
		b.o.Progress.Notef("%-14s failed after %s", name, took)
		return &stepError{step: name, log: f.Name(), tail: tail(f.Name(), tailLines), err: err}
	}
	b.o.Progress.Notef("%-14s %s", name, took)
	return nil
}

// command runs a program in dir with env, writing to w. The program gets a
// process group of its own so that cancelling kills make's children too.
func command(ctx context.Context, w io.Writer, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	fmt.Fprintf(w, "+ %s\n", strings.Join(cmd.Args, " "))
	return cmd.Run()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read the log: %v)", err)
	}
	data = bytes.TrimRight(data, "\n")
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
