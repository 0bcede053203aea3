package recipe

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"
)

func (v *validator) sources() {
	if len(v.r.Sources) == 0 {
		v.addf("sources", "missing: a recipe needs at least one source")
	}
	seen := map[string]int{}
	for i, s := range v.r.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			v.addf(f+".name", "missing")
		case !sourceName.MatchString(s.Name):
			v.addf(f+".name", "%q: want [a-z0-9][a-z0-9._-]* (it becomes a directory name)", s.Name)
		default:
			if j, dup := seen[s.Name]; dup {
				v.addf(f+".name", "duplicate source name %q (also sources[%d], line %d)", s.Name, j, v.r.line(fmt.Sprintf("sources[%d]", j)))
			} else {
				seen[s.Name] = i
			}
		}
		v.source(f, s)
	}
}

func (v *validator) source(f string, s Source) {
	n := 0
	for _, set := range []bool{s.URL != "", s.Debian != "", s.Path != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.addf(f, "set exactly one of url, debian, path (%d set)", n)
	}
	switch s.Kind() {
	case KindURL:
		v.url(f+".url", s.URL)
		v.needSHA(f, s)
	case KindDebian:
		v.debian(f, s)
		v.needSHA(f, s)
	case KindPath:
		v.path(f, s)
	}
	if s.Archive != "" && s.Debian == "" {
		v.addf(f+".archive", "only used with debian")
	}
	v.signature(f, s)
	if s.StripComponents < 0 {
		v.addf(f+".strip-components", "%d: must not be negative", s.StripComponents)
	}
	if s.Subdir != "" {
		v.relative(f+".subdir", s.Subdir)
	}
	for i, p := range s.Patches {
		v.patch(fmt.Sprintf("%s.patches[%d]", f, i), p)
	}
}

func (v *validator) needSHA(f string, s Source) {
	switch {
	case s.SHA256 == "":
		v.addf(f+".sha256", "missing (required for %s sources)", s.Kind())
	case !hex64.MatchString(s.SHA256):
		v.addf(f+".sha256", "%q: want 64 hex digits", s.SHA256)
	}
}

// url accepts http and https URLs with a host and no credentials: a
// password in a recipe would end up in logs and provenance.
func (v *validator) url(field, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		v.addf(field, "not a URL: %v", err)
	case u.Scheme != "https" && u.Scheme != "http":
		v.addf(field, "%q: scheme must be https or http", raw)
	case u.User != nil:
		v.addf(field, "URL must not contain credentials (user:password@)")
	case u.Host == "":
		v.addf(field, "%q: no host", raw)
	}
}

func (v *validator) debian(f string, s Source) {
	clean := path.Clean(s.Debian)
	if !strings.HasPrefix(clean, "pool/") || strings.Contains(clean, "..") || clean != s.Debian {
		v.addf(f+".debian", "%q: want a clean pool path such as pool/main/n/nginx/nginx_1.22.1.orig.tar.gz", s.Debian)
	}
	switch s.Archive {
	case "", "main", "security":
	default:
		v.addf(f+".archive", "%q: want main or security", s.Archive)
	}
}

// path: a file needs a sha256; a directory cannot have one (it is for
// development only and recorded unverified).
func (v *validator) path(f string, s Source) {
	st, err := os.Stat(v.r.Resolve(s.Path))
	switch {
	case err != nil:
		v.addf(f+".path", "%s: %v", s.Path, unwrapPathErr(err))
	case st.IsDir() && s.SHA256 != "":
		v.addf(f+".sha256", "not used for a directory (a directory source is development-only and unverified)")
	case !st.IsDir():
		v.needSHA(f, s)
	}
}

func (v *validator) signature(f string, s Source) {
	if s.Signature == "" {
		for _, fv := range [][2]string{{"signing-key", s.SigningKey}, {"key-file", s.KeyFile}, {"key-url", s.KeyURL}} {
			if fv[1] != "" {
				v.addf(f+"."+fv[0], "only used with signature")
			}
		}
		return
	}
	if s.URL == "" {
		v.addf(f+".signature", "only url sources can have a signature")
	}
	v.url(f+".signature", s.Signature)
	if !hex40.MatchString(s.SigningKey) {
		v.addf(f+".signing-key", "%q: want the key's full fingerprint, 40 hex digits", s.SigningKey)
	}
	switch {
	case s.KeyFile != "" && s.KeyURL != "":
		v.addf(f+".key-url", "set key-file or key-url, not both")
	case s.KeyURL != "":
		v.url(f+".key-url", s.KeyURL)
	case s.KeyFile != "":
		if _, err := os.Stat(v.r.Resolve(s.KeyFile)); err != nil {
			v.addf(f+".key-file", "%s: %v", s.KeyFile, unwrapPathErr(err))
		}
	case hex40.MatchString(s.SigningKey):
		kf := DefaultKeyFile(s.SigningKey)
		if _, err := os.Stat(v.r.Resolve(kf)); err != nil {
			v.addf(f+".signing-key", "no key-file or key-url, and the default key file %s: %v", kf, unwrapPathErr(err))
		}
	}
}

func (v *validator) patch(f string, p Patch) {
	n := 0
	for _, set := range []bool{p.File != "", p.From != "", p.Series != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.addf(f, "set exactly one of file, from, series (%d set)", n)
	}
	switch {
	case p.File != "":
		if _, err := os.Stat(v.r.Resolve(p.File)); err != nil {
			v.addf(f+".file", "%s: %v", p.File, unwrapPathErr(err))
		}
	case p.From != "":
		v.ref(f+".from", p.From)
	case p.Series != "":
		v.ref(f+".series", p.Series)
	}
	if p.Strip != nil && *p.Strip < 0 {
		v.addf(f+".strip", "%d: must not be negative", *p.Strip)
	}
}

// unwrapPathErr drops the *PathError's path: the message already names the
// path as the user wrote it, not as resolved.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
