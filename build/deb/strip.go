package deb

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// stripAll splits debug information out of every ELF file of tree, the way
// dh_strip does: the debug part goes to dbgTree under
// /usr/lib/debug/.build-id/xx/rest.debug, the shipped file is stripped and
// gets a .gnu_debuglink to it. It returns the build-ids, sorted as files is.
// tree is already a copy: the staging root is never touched.
func stripAll(ctx context.Context, tree, dbgTree string, files []elfFile) ([]string, error) {
	var ids []string
	for _, f := range files {
		path := filepath.Join(tree, f.Rel)
		if f.BuildID == "" || len(f.BuildID) < 4 {
			// No build-id, no place in /usr/lib/debug/.build-id: ship it
			// stripped, without symbols.
			if err := run(ctx, "strip", stripArgs(path)...); err != nil {
				return nil, err
			}
			continue
		}
		dbg := debugPath(dbgTree, f.BuildID)
		if err := os.MkdirAll(filepath.Dir(dbg), 0o755); err != nil {
			return nil, err
		}
		if err := run(ctx, "objcopy", "--only-keep-debug", "--compress-debug-sections", path, dbg); err != nil {
			return nil, err
		}
		if err := os.Chmod(dbg, 0o644); err != nil {
			return nil, err
		}
		if err := run(ctx, "strip", stripArgs(path)...); err != nil {
			return nil, err
		}
		// objcopy looks the debug file up by the name given, and records
		// only its base name and CRC: the link is reproducible.
		if err := run(ctx, "objcopy", "--add-gnu-debuglink="+dbg, path); err != nil {
			return nil, err
		}
		ids = append(ids, f.BuildID)
	}
	return ids, nil
}

// stripArgs are dh_strip's for shared objects; for executables
// --strip-unneeded keeps only what the dynamic linker needs as well.
func stripArgs(path string) []string {
	return []string{"--remove-section=.comment", "--remove-section=.note", "--strip-unneeded", path}
}

// debugPath is /usr/lib/debug/.build-id/<first 2 hex>/<rest>.debug in dbgTree.
func debugPath(dbgTree, id string) string {
	return filepath.Join(dbgTree, "usr/lib/debug/.build-id", id[:2], id[2:]+".debug")
}

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}
