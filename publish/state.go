package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/repoctl/repoctl/internal/progress"
)

// stateDir holds repoctl's own objects in the target; publish never
// deletes under it and apt never reads it.
const stateDir = ".repoctl/"

// stateKey records, for each object no live Release references, since when
// it has been so: it is deleted once that is longer ago than the grace.
const stateKey = stateDir + "publish-state.json"

type publishState struct {
	Version      int                  `json:"version"`
	Unreferenced map[string]time.Time `json:"unreferenced"`
}

// loadState reads the state; a missing or unreadable one is empty, which
// only delays deletions by one grace period (never deletes early).
func loadState(ctx context.Context, t Target, rep progress.Reporter) (*publishState, error) {
	if rep == nil {
		rep = progress.Discard
	}
	s := &publishState{Version: 1, Unreferenced: map[string]time.Time{}}
	r, err := t.Get(ctx, stateKey)
	if errors.Is(err, ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", t, stateKey, err)
	}
	var got publishState
	if err := json.Unmarshal(data, &got); err != nil || got.Version != 1 {
		rep.Notef("warning: %s/%s is unreadable; starting the grace period of unreferenced objects again", t, stateKey)
		return s, nil
	}
	if got.Unreferenced != nil {
		s.Unreferenced = got.Unreferenced
	}
	return s, nil
}

func (s *publishState) equal(o *publishState) bool {
	return maps.EqualFunc(s.Unreferenced, o.Unreferenced, time.Time.Equal)
}

func saveState(ctx context.Context, t Target, s *publishState) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	return t.Put(ctx, stateKey, bytes.NewReader(data), int64(len(data)), metaFor(stateKey))
}
