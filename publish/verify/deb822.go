package verify

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// paragraph is one deb822 stanza: field names as written, values with
// continuation lines joined by "\n" (leading space removed).
type paragraph map[string]string

// paragraphs calls fn for each stanza of r in order. Packages indexes can
// be large, so they are streamed rather than read whole.
func paragraphs(r io.Reader, fn func(paragraph) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	p, last := paragraph{}, ""
	flush := func() error {
		if len(p) == 0 {
			return nil
		}
		err := fn(p)
		p, last = paragraph{}, ""
		return err
	}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return err
			}
		case line[0] == ' ' || line[0] == '\t':
			if last == "" {
				return fmt.Errorf("line %d: continuation line without a field", n)
			}
			p[last] += "\n" + strings.TrimSpace(line)
		case line[0] == '#':
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				return fmt.Errorf("line %d: %q is not a field", n, line)
			}
			last = name
			p[name] = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

// release is what verify needs from a signed Release file.
type release struct {
	Origin, Label   string
	Suite, Codename string
	Date            time.Time // zero: none
	ValidUntil      time.Time // zero: none
	Architectures   []string
	Components      []string
	AcquireByHash   bool
	SHA256          []indexEntry
}

// indexEntry is one line of Release's SHA256 list: path is relative to
// dists/<dist>/.
type indexEntry struct {
	Path string
	Size int64
	Hash string
}

func parseRelease(text []byte) (*release, error) {
	var first paragraph
	err := paragraphs(strings.NewReader(string(text)), func(p paragraph) error {
		if first == nil {
			first = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if first == nil {
		return nil, fmt.Errorf("empty Release")
	}
	r := &release{
		Origin: first["Origin"], Label: first["Label"],
		Suite: first["Suite"], Codename: first["Codename"],
		Architectures: strings.Fields(first["Architectures"]),
		Components:    strings.Fields(first["Components"]),
		AcquireByHash: strings.EqualFold(first["Acquire-By-Hash"], "yes"),
	}
	if v := first["Date"]; v != "" {
		if r.Date, err = parseDate(v); err != nil {
			return nil, fmt.Errorf("Date: %w", err)
		}
	}
	if v := first["Valid-Until"]; v != "" {
		if r.ValidUntil, err = parseDate(v); err != nil {
			return nil, fmt.Errorf("Valid-Until: %w", err)
		}
	}
	if r.SHA256, err = parseSums(first["SHA256"]); err != nil {
		return nil, fmt.Errorf("SHA256: %w", err)
	}
	return r, nil
}

func parseSums(v string) ([]indexEntry, error) {
	var out []indexEntry
	for _, line := range strings.Split(v, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || len(f[0]) != 64 {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("bad size in %q", line)
		}
		out = append(out, indexEntry{Path: f[2], Size: size, Hash: strings.ToLower(f[0])})
	}
	return out, nil
}

// parseDate reads a Release date: RFC 2822 in UTC, as dak and aptly write
// it, with the zone as a name or a numeric offset.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 2822 date", s)
}
