package repo

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// holdLock is the body of the helper process TestSecondProcessFailsFast
// starts (see TestMain): it holds the state until its stdin closes.
func holdLock(dir string) int {
	r, err := Open(Options{Dir: dir})
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		return 1
	}
	defer r.Close()
	os.Stdout.WriteString("ready\n")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func TestSecondProcessFailsFast(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "aptly")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "REPOCTL_TEST_HOLD="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("holder said %q", line)
	}
	start := time.Now()
	_, err := Open(Options{Dir: dir})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
		t.Fatalf("Open while another process holds the state: %v; want ErrInUse naming pid %d", err, cmd.Process.Pid)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}
