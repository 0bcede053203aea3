package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/recipe"
)

// keyVersion changes when the way a build is made changes (steps, flags,
// layout), so that old cached builds are not taken for new ones.
const keyVersion = "repoctl-compile-1"

// inputs is what the cache key was computed from.
type inputs struct {
	key        string
	recipeHash string
	compiler   string
	// rootPackages: in a suite root, the versions of its toolchain, libc
	// and build-depends (all in the key).
	rootPackages map[string]string
}

// rootToolchain are the packages of a build root whose versions are part
// of the key besides the build-depends: compiler, assembler/linker, libc.
var rootToolchain = []string{"gcc", "cpp", "binutils", "libc6", "libc6-dev", "dpkg-dev", "make"}

// computeKey hashes every input of a build: the recipe file's bytes, each
// source's SHA-256 (a directory source: its content), each patch file next
// to the recipe, the compiler's version and the suite; for a build in a
// suite root (root not nil), the root's toolchain and libc versions and
// those of the build-depends (deps) instead of the host compiler. Jobs,
// the state directory and the time are deliberately left out.
func computeKey(ctx context.Context, r *recipe.Recipe, suite string, root *buildroot.Root, deps []string) (inputs, error) {
	data, err := os.ReadFile(r.Path)
	if err != nil {
		return inputs{}, fmt.Errorf("recipe: %w", err)
	}
	sum := sha256.Sum256(data)
	in := inputs{recipeHash: hex.EncodeToString(sum[:])}
	if root == nil {
		in.compiler, err = compilerVersion(ctx)
	} else {
		in.compiler, in.rootPackages, err = rootVersions(root, deps)
	}
	if err != nil {
		return inputs{}, err
	}
	h := sha256.New()
	field(h, "version", keyVersion)
	field(h, "recipe", in.recipeHash)
	field(h, "suite", suite)
	field(h, "compiler", in.compiler)
	if root != nil {
		field(h, "root", root.Suite+"-"+root.Arch)
		names := make([]string, 0, len(in.rootPackages))
		for n := range in.rootPackages {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			field(h, "root-package", n+" "+in.rootPackages[n])
		}
	}
	for _, s := range r.Sources {
		if err := hashSource(h, r, s); err != nil {
			return inputs{}, err
		}
	}
	in.key = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// field writes a length-prefixed name and value, so that no two different
// input lists hash alike.
func field(h hash.Hash, name, value string) {
	fmt.Fprintf(h, "%d:%s=%d:%s\n", len(name), name, len(value), value)
}

func hashSource(h hash.Hash, r *recipe.Recipe, s recipe.Source) error {
	field(h, "source", s.Name)
	switch {
	case s.SHA256 != "":
		field(h, "sha256", strings.ToLower(s.SHA256))
	case s.Path != "":
		d, err := dirHash(r.Resolve(s.Path))
		if err != nil {
			return fmt.Errorf("source %s: %w", s.Name, err)
		}
		field(h, "dir", d)
	}
	for _, p := range s.Patches {
		if p.File == "" {
			continue // from:/series: patches live in a source, hashed above
		}
		data, err := os.ReadFile(r.Resolve(p.File))
		if err != nil {
			return fmt.Errorf("source %s: patch: %w", s.Name, err)
		}
		sum := sha256.Sum256(data)
		field(h, "patch", p.File+" "+hex.EncodeToString(sum[:]))
	}
	return nil
}

// dirHash hashes a development directory: every path, mode, link target
// and file content, in sorted order.
func dirHash(root string) (string, error) {
	h := sha256.New()
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := hashEntry(h, root, p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashEntry(h hash.Hash, root, p string) error {
	st, err := os.Lstat(p)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(root, p)
	field(h, "path", fmt.Sprintf("%s %v", filepath.ToSlash(rel), st.Mode()))
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		field(h, "link", target)
	case st.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
	}
	return nil
}

// rootVersions reads the root's dpkg status: the compiler ("gcc
// <version> (<suite> root)") and the versions of the toolchain and of
// every installed alternative of the build-depends.
func rootVersions(root *buildroot.Root, deps []string) (string, map[string]string, error) {
	names := append([]string{}, rootToolchain...)
	for _, d := range deps {
		names = append(names, alternatives(d)...)
	}
	v, err := root.PackageVersions(names...)
	if err != nil {
		return "", nil, fmt.Errorf("build root %s: %w", root.Suite, err)
	}
	if v["gcc"] == "" || v["libc6"] == "" {
		return "", nil, fmt.Errorf("build root %s: no gcc or libc6 installed in %s", root.Suite, root.Dir)
	}
	return fmt.Sprintf("gcc %s (%s root)", v["gcc"], root.Suite), v, nil
}

// compilerVersion is the first line of `cc --version`; a variable so tests
// can change the compiler.
var compilerVersion = func(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "cc", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("cc --version: %w (is build-essential installed?)", err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line), nil
}
