package deb

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/goreleaser/nfpm/v2/files"
)

// treeContents lists every directory, file and symlink of tree for nfpm,
// in path order, owned by root:root with the given mtime. Modes are set
// explicitly, so nothing depends on the builder's umask or on files of the
// same name on the build host (nfpm stats a symlink's target otherwise).
// Files whose package path is in conffiles become dpkg conffiles.
func treeContents(tree string, conffiles map[string]bool, mtime time.Time) (files.Contents, error) {
	var out files.Contents
	err := filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == tree {
			return err
		}
		rel, _ := filepath.Rel(tree, p)
		dst := "/" + filepath.ToSlash(rel)
		c := &files.Content{Destination: dst, FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", MTime: mtime}}
		switch t := d.Type(); {
		case t.IsDir():
			c.Type, c.FileInfo.Mode = files.TypeDir, 0o755
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			c.Type, c.Source, c.FileInfo.Mode = files.TypeSymlink, target, 0o777
		default:
			info, err := d.Info()
			if err != nil {
				return err
			}
			c.Type, c.Source, c.FileInfo.Mode = files.TypeFile, p, info.Mode().Perm()
			if conffiles[dst] {
				c.Type = files.TypeConfig
			}
		}
		out = append(out, c)
		return nil
	})
	return out, err
}
