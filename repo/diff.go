package repo

import "github.com/aptly-dev/aptly/deb"

// Change is one difference between two snapshots. Kind is "added" (only
// in the second), "removed" (only in the first) or "changed" (same name
// and architecture, other version or content).
type Change struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	From         string `json:"from,omitempty"` // version in a
	To           string `json:"to,omitempty"`   // version in b
}

// Diff lists what changes from snapshot a to snapshot b.
func (r *Repo) Diff(a, b string) (out []Change, err error) {
	defer recoverInto(&err)
	f := r.factory()
	sa, err := findSnapshot(f, a)
	if err != nil {
		return nil, err
	}
	sb, err := findSnapshot(f, b)
	if err != nil {
		return nil, err
	}
	diffs, err := sa.RefList().Diff(sb.RefList(), f.PackageCollection())
	if err != nil {
		return nil, err
	}
	for _, d := range diffs {
		out = append(out, toChange(d))
	}
	return out, nil
}

func toChange(d deb.PackageDiff) Change {
	switch {
	case d.Left == nil:
		return Change{Kind: "added", Name: d.Right.Name, Architecture: d.Right.Architecture, To: d.Right.Version}
	case d.Right == nil:
		return Change{Kind: "removed", Name: d.Left.Name, Architecture: d.Left.Architecture, From: d.Left.Version}
	}
	return Change{Kind: "changed", Name: d.Left.Name, Architecture: d.Left.Architecture, From: d.Left.Version, To: d.Right.Version}
}
