package source

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

// patchFile is one patch to apply, resolved to a file.
type patchFile struct {
	file  string // absolute or recipe-relative path
	strip int
	label string // "source: name" in provenance and errors
}

// patchList expands s's patches (file, from, series) in order. dirs maps
// every source already extracted to its directory.
func patchList(r *recipe.Recipe, s recipe.Source, dirs map[string]string) ([]patchFile, error) {
	var out []patchFile
	for _, p := range s.Patches {
		strip := 1
		if p.Strip != nil {
			strip = *p.Strip
		}
		switch {
		case p.File != "":
			out = append(out, patchFile{file: r.Resolve(p.File), strip: strip, label: s.Name + ": " + p.File})
		case p.From != "":
			f, err := inSource(p.From, dirs)
			if err != nil {
				return nil, errs.Usage(fmt.Errorf("source %s: patch from %s: %w", s.Name, p.From, err))
			}
			out = append(out, patchFile{file: f, strip: strip, label: s.Name + ": " + p.From})
		case p.Series != "":
			list, err := series(p.Series, strip, dirs)
			if err != nil {
				return nil, errs.Usage(fmt.Errorf("source %s: series %s: %w", s.Name, p.Series, err))
			}
			for _, pf := range list {
				pf.label = s.Name + ": " + pf.label
				out = append(out, pf)
			}
		}
	}
	return out, nil
}

// inSource resolves "source:path" inside an extracted source, refusing a
// path that climbs out of it.
func inSource(ref string, dirs map[string]string) (string, error) {
	name, p, ok := recipe.SplitRef(ref)
	if !ok {
		return "", fmt.Errorf("want source:path")
	}
	dir, ok := dirs[name]
	if !ok {
		return "", fmt.Errorf("no source named %q", name)
	}
	if escapes(p) {
		return "", fmt.Errorf("%q climbs out of source %s", p, name)
	}
	return filepath.Join(dir, filepath.FromSlash(path.Clean(p))), nil
}

// series reads a quilt series file: one patch per line, relative to the
// series file's directory, "#" comments, and an optional -pN per line.
func series(ref string, strip int, dirs map[string]string) ([]patchFile, error) {
	file, err := inSource(ref, dirs)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	name, rel, _ := recipe.SplitRef(ref)
	var out []patchFile
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if escapes(f[0]) {
			return nil, fmt.Errorf("line %d: %q climbs out of the series directory", n, f[0])
		}
		pf := patchFile{file: filepath.Join(filepath.Dir(file), f[0]), strip: strip, label: name + ":" + path.Join(path.Dir(rel), f[0])}
		for _, opt := range f[1:] {
			v, ok := strings.CutPrefix(opt, "-p")
			k, err := strconv.Atoi(v)
			if !ok || err != nil || k < 0 {
				return nil, fmt.Errorf("line %d: option %q: only -pN is supported", n, opt)
			}
			pf.strip = k
		}
		out = append(out, pf)
	}
	return out, sc.Err()
}

// apply runs GNU patch on dir. --forward refuses an already applied patch
// instead of reversing it; --batch never asks; a failure shows patch's own
// output, which names the hunk that failed.
func apply(ctx context.Context, dir string, p patchFile) error {
	if _, err := os.Stat(p.file); err != nil {
		return errs.Usage(fmt.Errorf("patch %q: %w", p.label, err))
	}
	cmd := exec.CommandContext(ctx, "patch", "-p"+strconv.Itoa(p.strip), "--batch", "--forward",
		"--no-backup-if-mismatch", "--reject-file=-", "-d", dir, "-i", p.file)
	cmd.Env = append(os.Environ(), "LC_ALL=C") // English messages: they are shown to the user
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return fmt.Errorf("patch %q: running GNU patch: %w", p.label, err)
		}
		return errs.Usage(fmt.Errorf("patch %q does not apply (-p%d): %w\n%s", p.label, p.strip, err, strings.TrimSpace(string(out))))
	}
	return nil
}
