package buildroot

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

var errNoStatus = errors.New("no dpkg status")

// installedPackages reads a dpkg status file and returns the names of
// installed packages and of what they provide, without running anything
// in the root: a no-op Ensure stays in milliseconds.
func installedPackages(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoStatus, err)
	}
	defer f.Close()
	have := map[string]bool{}
	var pkg, status, provides string
	flush := func() {
		if pkg != "" && strings.HasSuffix(status, " installed") {
			have[pkg] = true
			for _, p := range strings.Split(provides, ",") {
				if alts := alternatives(p); len(alts) > 0 {
					have[alts[0]] = true
				}
			}
		}
		pkg, status, provides = "", "", ""
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "Package: "):
			pkg = strings.TrimSpace(line[len("Package: "):])
		case strings.HasPrefix(line, "Status: "):
			status = strings.TrimSpace(line[len("Status: "):])
		case strings.HasPrefix(line, "Provides: "):
			provides = line[len("Provides: "):]
		}
	}
	flush()
	return have, sc.Err()
}

// PackageVersions returns the installed version of each package named
// (absent when not installed), read from the root's dpkg status: for a
// build's cache key and provenance (e.g. gcc, libc6, libssl-dev).
func (r *Root) PackageVersions(pkgs ...string) (map[string]string, error) {
	data, err := os.ReadFile(r.Path("var/lib/dpkg/status"))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range pkgs {
		want[p] = true
	}
	out := map[string]string{}
	for _, stanza := range strings.Split(string(data), "\n\n") {
		f := stanzaFields(stanza)
		if want[f["Package"]] && strings.HasSuffix(f["Status"], " installed") {
			out[f["Package"]] = f["Version"]
		}
	}
	return out, nil
}

// stanzaFields reads the single-line fields of a dpkg status stanza.
func stanzaFields(stanza string) map[string]string {
	f := map[string]string{}
	for _, line := range strings.Split(stanza, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") {
			f[k] = strings.TrimSpace(v)
		}
	}
	return f
}
