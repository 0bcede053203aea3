// Package debarchive locates files of the Debian archive through the host's
// own apt sources, so that no recipe, test or code names an archive host.
//
// It reads deb822 files (/etc/apt/sources.list.d/*.sources) and one-line
// files (/etc/apt/sources.list, sources.list.d/*.list).
package debarchive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is one apt source: a base URI and its suites.
type Entry struct {
	URI    string
	Suites []string
	Types  []string // deb, deb-src
}

// Security reports whether the entry serves security updates (a suite
// ending in -security, or the older "bookworm/updates" form).
func (e Entry) Security() bool {
	for _, s := range e.Suites {
		if strings.HasSuffix(s, "-security") || strings.HasSuffix(s, "/updates") {
			return true
		}
	}
	return false
}

// DefaultRoot is where apt keeps its sources.
const DefaultRoot = "/etc/apt"

// Archives are the two archives a recipe may select.
const (
	Main     = "main"
	Security = "security"
)

// Load reads every apt source under root (normally /etc/apt).
func Load(root string) ([]Entry, error) {
	var files []string
	if _, err := os.Stat(filepath.Join(root, "sources.list")); err == nil {
		files = append(files, filepath.Join(root, "sources.list"))
	}
	more, _ := filepath.Glob(filepath.Join(root, "sources.list.d", "*"))
	sort.Strings(more)
	files = append(files, more...)
	var entries []Entry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(f, ".sources"):
			entries = append(entries, parseDeb822(data)...)
		case strings.HasSuffix(f, ".list"):
			entries = append(entries, parseOneLine(data)...)
		}
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("no apt sources found under %s (sources.list or sources.list.d/*.sources)", root)
	}
	return entries, nil
}

func parseDeb822(data []byte) []Entry {
	var out []Entry
	for _, stanza := range bytes.Split(data, []byte("\n\n")) {
		fields := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(stanza))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#") || !strings.Contains(line, ":") || strings.HasPrefix(line, " ") {
				continue
			}
			k, v, _ := strings.Cut(line, ":")
			fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		if strings.EqualFold(fields["enabled"], "no") {
			continue
		}
		suites := strings.Fields(fields["suites"])
		types := strings.Fields(fields["types"])
		for _, uri := range strings.Fields(fields["uris"]) {
			out = append(out, Entry{URI: strings.TrimRight(uri, "/"), Suites: suites, Types: types})
		}
	}
	return out
}

func parseOneLine(data []byte) []Entry {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		typ := f[0]
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // options such as [signed-by=...]
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) < 2 {
			continue
		}
		out = append(out, Entry{URI: strings.TrimRight(f[0], "/"), Suites: []string{f[1]}, Types: []string{typ}})
	}
	return out
}

// ErrNoArchive means the host's apt sources have no entry for the archive.
var ErrNoArchive = errors.New("no apt source for this archive")

// BaseURI returns the base URI of archive ("main" or "security"): the first
// non-security entry, or the last security entry.
func BaseURI(entries []Entry, archive string) (string, error) {
	switch archive {
	case "", Main:
		for _, e := range entries {
			if !e.Security() {
				return e.URI, nil
			}
		}
	case Security:
		for i := len(entries) - 1; i >= 0; i-- {
			if entries[i].Security() {
				return entries[i].URI, nil
			}
		}
	default:
		return "", fmt.Errorf("archive %q: want %q or %q", archive, Main, Security)
	}
	return "", fmt.Errorf("%w %q in the host's apt sources", ErrNoArchive, archive)
}

// PoolURL returns the URL of a pool path (pool/main/n/nginx/...) in archive.
// The pool path must be relative and must not climb out with "..".
func PoolURL(entries []Entry, archive, poolPath string) (string, error) {
	clean := filepath.ToSlash(filepath.Clean(poolPath))
	if !strings.HasPrefix(clean, "pool/") || strings.Contains(clean, "..") {
		return "", fmt.Errorf("pool path %q: must start with pool/ and contain no ..", poolPath)
	}
	base, err := BaseURI(entries, archive)
	if err != nil {
		return "", err
	}
	return base + "/" + clean, nil
}

// HostSuite returns the suite of the host's main archive (e.g. bookworm),
// the first suite without a '-' in the first non-security entry.
func HostSuite(entries []Entry) string {
	for _, e := range entries {
		if e.Security() {
			continue
		}
		for _, s := range e.Suites {
			if !strings.Contains(s, "-") {
				return s
			}
		}
	}
	return ""
}
