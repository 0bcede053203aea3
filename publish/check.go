package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// Check is the preflight run before a build, so that a release does not
// spend an hour compiling to fail at the upload: it lists the target
// (reachable, credentials valid, bucket exists), then writes, reads back
// and deletes a small probe object under .repoctl/ (allowed to write and
// delete). Nothing published is touched; each failure says what is wrong.
func Check(ctx context.Context, t Target) error {
	if _, err := t.List(ctx, stateDir+"probe-"); err != nil {
		return err
	}
	b := make([]byte, 8)
	rand.Read(b)
	key := stateDir + "probe-" + hex.EncodeToString(b)
	body := []byte("repoctl preflight probe; safe to delete\n")
	if err := t.Put(ctx, key, bytes.NewReader(body), int64(len(body)), metaFor(key)); err != nil {
		return fmt.Errorf("cannot write to %s: %w", t, err)
	}
	got, err := getAll(ctx, t, key)
	if err == nil && !bytes.Equal(got, body) {
		err = errors.New("read back other bytes than were written")
	}
	if err != nil {
		t.Delete(ctx, []string{key})
		return fmt.Errorf("cannot read back from %s: %w", t, err)
	}
	if err := t.Delete(ctx, []string{key}); err != nil {
		return fmt.Errorf("cannot delete from %s (publish deletes superseded files): %w", t, err)
	}
	return nil
}
