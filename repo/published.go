package repo

import (
	"encoding/json"
	"errors"

	"github.com/aptly-dev/aptly/database"
)

// maxHistory bounds the publish history kept per target and distribution:
// rollback needs the previous few, not every release ever made.
const maxHistory = 100

func publishedKey(target, dist string) []byte {
	return []byte(keyPublished + target + "\x00" + dist)
}

// RecordPublished notes that snapshot is now live for dist at target
// (publish calls it after the new Release is in place). Recording the
// snapshot already live is a no-op, so a re-run publish converges.
func (r *Repo) RecordPublished(target, dist, snapshot string) (err error) {
	defer recoverInto(&err)
	if target == "" {
		return usagef("record published: no target given")
	}
	if err := checkDist(dist); err != nil {
		return err
	}
	if _, err := findSnapshot(r.factory(), snapshot); err != nil {
		return err
	}
	hist, err := r.Published(target, dist)
	if err != nil {
		return err
	}
	if len(hist) > 0 && hist[len(hist)-1] == snapshot {
		return nil
	}
	hist = append(hist, snapshot)
	if len(hist) > maxHistory {
		hist = hist[len(hist)-maxHistory:]
	}
	b, err := json.Marshal(hist)
	if err != nil {
		return err
	}
	return r.db.Put(publishedKey(target, dist), b)
}

// Published returns the snapshots published for dist at target, newest
// last; empty if nothing was published there yet.
func (r *Repo) Published(target, dist string) (history []string, err error) {
	b, err := r.db.Get(publishedKey(target, dist))
	if errors.Is(err, database.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &history); err != nil {
		return nil, err
	}
	return history, nil
}
