package nginxcheck

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// badLogMarks are error-log entries that mean something broke: a crashed
// worker is logged by the master as "exited on signal 11".
var badLogMarks = []string{"[alert]", "[crit]", "[emerg]", "exited on signal", "core dumped"}

// ErrorLog fails if the error log at path records an alert, a critical
// error, an emergency or a crashed worker; it quotes the lines.
func ErrorLog(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var bad []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for _, m := range badLogMarks {
			if strings.Contains(sc.Text(), m) {
				bad = append(bad, sc.Text())
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("error log %s:\n%s", path, strings.Join(bad, "\n"))
	}
	return nil
}
