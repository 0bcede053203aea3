package publish

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/repoctl/repoctl/internal/progress"
)

// LockKey is the release lock in the target: two releases at once would
// each publish an index without the other's package (DESIGN invariant 4).
const LockKey = stateDir + "lock.json"

// ErrLocked is returned when another release holds the lock.
var ErrLocked = errors.New("another release holds the lock")

// LockInfo is the content of the lock object.
type LockInfo struct {
	ID      string    `json:"id"`      // random, so only its taker releases it
	Owner   string    `json:"owner"`   // user@host pid N
	Purpose string    `json:"purpose"` // what it is held for, e.g. "release"
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"` // after this the lock is stale
}

// Stale reports whether the lock outlived its TTL: its holder most likely
// died, and a person may break it.
func (l *LockInfo) Stale(now time.Time) bool { return now.After(l.Expires) }

func (l *LockInfo) String() string {
	return fmt.Sprintf("%s (%s) since %s, expires %s", l.Owner, l.Purpose,
		l.Created.UTC().Format(time.RFC3339), l.Expires.UTC().Format(time.RFC3339))
}

// LockOptions tune AcquireLock. The zero value is usable.
type LockOptions struct {
	Owner   string        // default: user@host pid N
	Purpose string        // default: "release"
	TTL     time.Duration // default: 2h
	Wait    time.Duration // wait this long for a held lock; 0: fail at once
	Poll    time.Duration // default: 2s
	Now     func() time.Time
	// TakeStale replaces a stale lock (its holder most likely died) with a
	// conditional write, so that of two takers only one wins. Targets
	// without that ability (Swapper) wait or fail as for a live lock.
	TakeStale bool
	Progress  progress.Reporter // notes a taken-over lock; nil: quiet
}

func (o LockOptions) withDefaults() LockOptions {
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	if o.Purpose == "" {
		o.Purpose = "release"
	}
	if o.TTL <= 0 {
		o.TTL = 2 * time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	return o
}

// Lock is a held release lock.
type Lock struct {
	t    Target
	info LockInfo
}

// Info describes the held lock.
func (l *Lock) Info() LockInfo { return l.info }

// AcquireLock takes the lock with a conditional create (If-None-Match: *
// on S3, link(2) in a directory): of two releases at once exactly one
// gets it. A held lock is waited for up to opts.Wait. A stale lock is not
// broken automatically: that would race with another breaker, so a person
// (repoctl lock break) decides that its holder is dead.
func AcquireLock(ctx context.Context, t Target, opts LockOptions) (*Lock, error) {
	opts = opts.withDefaults()
	deadline := time.Now().Add(opts.Wait)
	for {
		info := LockInfo{ID: randomID(), Owner: opts.Owner, Purpose: opts.Purpose, Created: opts.Now().UTC()}
		info.Expires = info.Created.Add(opts.TTL)
		body, _ := json.MarshalIndent(info, "", " ")
		err := t.PutIfAbsent(ctx, LockKey, body)
		if err == nil {
			return &Lock{t: t, info: info}, nil
		}
		if !errors.Is(err, ErrExists) {
			return nil, fmt.Errorf("take the lock %s/%s: %w", t, LockKey, err)
		}
		if opts.TakeStale {
			taken, err := takeStale(ctx, t, body, opts)
			if err != nil {
				return nil, err
			}
			if taken {
				return &Lock{t: t, info: info}, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, lockedError(ctx, t, opts)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(opts.Poll):
		}
	}
}

// takeStale replaces the current lock with body if it is stale and still
// the one read: true when it did.
func takeStale(ctx context.Context, t Target, body []byte, opts LockOptions) (bool, error) {
	sw, ok := t.(Swapper)
	if !ok {
		return false, nil
	}
	raw, err := getAll(ctx, t, LockKey)
	if errors.Is(err, ErrNotFound) {
		return false, nil // released meanwhile: try the plain create again
	}
	if err != nil {
		return false, err
	}
	var held LockInfo
	if json.Unmarshal(raw, &held) == nil && !held.Stale(opts.Now()) {
		return false, nil
	}
	sum := md5.Sum(raw)
	err = sw.PutIfMatch(ctx, LockKey, body, hex.EncodeToString(sum[:]))
	if errors.Is(err, ErrChanged) {
		return false, nil // someone else took or released it first
	}
	if err != nil {
		return false, fmt.Errorf("take over the stale lock %s/%s: %w", t, LockKey, err)
	}
	opts.Progress.Notef("took over the stale lock of %s", held.String())
	return true, nil
}

func lockedError(ctx context.Context, t Target, opts LockOptions) error {
	held, err := ReadLock(ctx, t)
	switch {
	case err != nil:
		return fmt.Errorf("%w on %s (unreadable: %v)", ErrLocked, t, err)
	case held == nil: // released just now
		return fmt.Errorf("%w on %s: released while waiting; try again", ErrLocked, t)
	case held.Stale(opts.Now()):
		return fmt.Errorf("%w on %s: %s; it is stale: if that release is not running any more, "+
			"run `repoctl lock break --id %s`", ErrLocked, t, held, held.ID)
	}
	return fmt.Errorf("%w on %s: %s (waited %s; --lock-timeout waits longer)", ErrLocked, t, held, opts.Wait)
}

// Release deletes the lock if it is still this one. If someone broke it
// meanwhile, it says so and leaves the new holder's lock alone.
func (l *Lock) Release(ctx context.Context) error {
	held, err := ReadLock(ctx, l.t)
	if err != nil {
		return err
	}
	if held == nil || held.ID != l.info.ID {
		return fmt.Errorf("release the lock on %s: it was broken while held (%s)", l.t, describe(held))
	}
	return l.t.Delete(ctx, []string{LockKey})
}

// ReadLock returns the current lock, or nil when the target is unlocked.
func ReadLock(ctx context.Context, t Target) (*LockInfo, error) {
	data, err := getAll(ctx, t, LockKey)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var info LockInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", t, LockKey, err)
	}
	return &info, nil
}

// BreakLock deletes the lock whose ID is id (any lock when id is empty)
// and returns what it broke, nil if there was no lock.
func BreakLock(ctx context.Context, t Target, id string) (*LockInfo, error) {
	held, err := ReadLock(ctx, t)
	if err != nil || held == nil {
		return nil, err
	}
	if id != "" && held.ID != id {
		return nil, fmt.Errorf("the lock on %s is %s, id %s, not %s: not broken", t, held, held.ID, id)
	}
	return held, t.Delete(ctx, []string{LockKey})
}

func describe(l *LockInfo) string {
	if l == nil {
		return "now unlocked"
	}
	return "now held by " + l.String()
}

func defaultOwner() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s@%s pid %d", name, host, os.Getpid())
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
