package publish

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// release is what publish needs from a dists/<dist>/Release: the files it
// lists (relative to dists/<dist>/) with their size and checksums.
type release struct {
	dist   string
	byHash bool                  // Acquire-By-Hash: yes
	files  map[string]*indexFile // by path relative to dists/<dist>/
}

type indexFile struct {
	size int64
	sums map[string]string // "SHA256" -> hex, also MD5Sum, SHA1, SHA512
}

// checksumFields are the Release fields that list files.
var checksumFields = map[string]bool{"MD5Sum": true, "SHA1": true, "SHA256": true, "SHA512": true}

// parseRelease reads a Release or an InRelease (the clearsigned text is
// read; the signature is not checked here: verify does that).
func parseRelease(dist string, data []byte) (*release, error) {
	r := &release{dist: dist, files: map[string]*indexFile{}}
	field := ""
	for _, line := range strings.Split(string(clearsignedText(data)), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, value, _ := strings.Cut(line, ":")
			field = name
			if name == "Acquire-By-Hash" {
				r.byHash = strings.TrimSpace(value) == "yes"
			}
			continue
		}
		if !checksumFields[field] {
			continue
		}
		if err := r.addSum(field, strings.Fields(line)); err != nil {
			return nil, fmt.Errorf("dists/%s/Release: %w", dist, err)
		}
	}
	if len(r.files) == 0 {
		return nil, fmt.Errorf("dists/%s/Release lists no files", dist)
	}
	return r, nil
}

func (r *release) addSum(algo string, f []string) error {
	if len(f) != 3 {
		return fmt.Errorf("bad %s line %q", algo, strings.Join(f, " "))
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("bad size in %s line %q", algo, strings.Join(f, " "))
	}
	if path.Clean(f[2]) != f[2] || strings.HasPrefix(f[2], "/") || strings.HasPrefix(f[2], "..") {
		return fmt.Errorf("bad path in %s line %q", algo, strings.Join(f, " "))
	}
	e := r.files[f[2]]
	if e == nil {
		e = &indexFile{size: size, sums: map[string]string{}}
		r.files[f[2]] = e
	}
	e.sums[algo] = strings.ToLower(f[0])
	return nil
}

// clearsignedText returns the signed text of an InRelease, or data as is.
func clearsignedText(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		return data
	}
	_, body, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return nil
	}
	body, _, _ = bytes.Cut(body, []byte("\n-----BEGIN PGP SIGNATURE-----"))
	var out bytes.Buffer
	for _, line := range strings.Split(string(body), "\n") {
		out.WriteString(strings.TrimPrefix(line, "- ")) // dash-escaping
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// keys returns every target key the Release makes a client fetch: each
// listed file and, with Acquire-By-Hash, its by-hash copies.
func (r *release) keys() []string {
	var out []string
	base := "dists/" + r.dist + "/"
	for p, e := range r.files {
		out = append(out, base+p)
		for algo, sum := range e.sums {
			out = append(out, base+byHashKey(p, algo, sum))
		}
	}
	return out
}

func byHashKey(p, algo, sum string) string {
	return path.Join(path.Dir(p), "by-hash", algo, sum)
}

// indexes returns the package and source indexes a client would read, one
// per directory: the plain file if listed, else the .gz one.
func (r *release) indexes() []string {
	var out []string
	for p := range r.files {
		base := path.Base(p)
		if base != "Packages" && base != "Sources" {
			continue
		}
		out = append(out, p)
	}
	for p := range r.files {
		plain := strings.TrimSuffix(p, ".gz")
		b := path.Base(plain)
		if plain != p && (b == "Packages" || b == "Sources") && r.files[plain] == nil {
			out = append(out, p)
		}
	}
	return out
}

// poolRef is a pool file an index names, with what the index says of it
// (size -1 and sha256 "" when it does not say).
type poolRef struct {
	key    string
	size   int64
	sha256 string
}

// poolRefs reads a Packages or Sources index (gzip if name ends in .gz)
// and returns the pool files it references.
func poolRefs(name string, rd io.Reader) ([]poolRef, error) {
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer z.Close()
		rd = z
	}
	var refs []poolRef
	var para stanza
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			para.add(line)
			continue
		}
		refs = append(refs, para.refs()...)
		para = stanza{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return append(refs, para.refs()...), nil
}

// stanza collects the fields of one index paragraph that name pool files:
// Filename/Size/SHA256 (Packages), Directory and its file lists (Sources).
type stanza struct {
	field  string
	fields map[string]string
	files  []poolRef // from Sources' Files and Checksums-Sha256 lines
}

func (s *stanza) add(line string) {
	if s.fields == nil {
		s.fields = map[string]string{}
	}
	if line[0] != ' ' && line[0] != '\t' {
		name, value, _ := strings.Cut(line, ":")
		s.field = name
		s.fields[name] = strings.TrimSpace(value)
		return
	}
	f := strings.Fields(line)
	if len(f) != 3 || s.field != "Files" && s.field != "Checksums-Sha256" {
		return
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		size = -1
	}
	ref := poolRef{key: f[2], size: size}
	if s.field == "Checksums-Sha256" {
		ref.sha256 = strings.ToLower(f[0])
	}
	s.files = append(s.files, ref)
}

func (s *stanza) refs() []poolRef {
	if fn := s.fields["Filename"]; fn != "" {
		size, err := strconv.ParseInt(s.fields["Size"], 10, 64)
		if err != nil {
			size = -1
		}
		return []poolRef{{key: fn, size: size, sha256: strings.ToLower(s.fields["SHA256"])}}
	}
	dir := s.fields["Directory"]
	if dir == "" {
		return nil
	}
	out := make([]poolRef, len(s.files))
	for i, r := range s.files {
		r.key = dir + "/" + r.key
		out[i] = r
	}
	return out
}
