package publish

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		ctx := context.Background()
		a, err := AcquireLock(ctx, tt, LockOptions{Owner: "alice", TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		_, err = AcquireLock(ctx, tt, LockOptions{Owner: "bob"})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "alice") {
			t.Fatalf("second AcquireLock: %v, want ErrLocked naming alice", err)
		}
		// bob waits; alice releases meanwhile.
		go func() { time.Sleep(300 * time.Millisecond); a.Release(ctx) }()
		b, err := AcquireLock(ctx, tt, LockOptions{Owner: "bob", Wait: 10 * time.Second, Poll: 50 * time.Millisecond})
		if err != nil {
			t.Fatalf("AcquireLock while waiting: %v", err)
		}
		// A stale lock is reported as such, with how to break it.
		later := func() time.Time { return time.Now().Add(3 * time.Hour) }
		_, err = AcquireLock(ctx, tt, LockOptions{Owner: "carol", Now: later})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "lock break --id "+b.Info().ID) {
			t.Fatalf("stale lock: %v, want the break command", err)
		}
		if _, err := BreakLock(ctx, tt, "not-the-id"); err == nil {
			t.Fatal("BreakLock with another id broke the lock")
		}
		broken, err := BreakLock(ctx, tt, b.Info().ID)
		if err != nil || broken == nil || broken.Owner != "bob" {
			t.Fatalf("BreakLock = %v, %v", broken, err)
		}
		c, err := AcquireLock(ctx, tt, LockOptions{Owner: "carol"})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Release(ctx); err == nil || !strings.Contains(err.Error(), "carol") {
			t.Fatalf("bob's Release after the break: %v, want an error naming carol", err)
		}
		if held, _ := ReadLock(ctx, tt); held == nil || held.Owner != "carol" {
			t.Fatalf("bob's late Release removed carol's lock: %v", held)
		}
		if err := c.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if held, err := ReadLock(ctx, tt); held != nil || err != nil {
			t.Fatalf("after Release: %v, %v", held, err)
		}
	})
}

// TestLockRace: of many releases starting at once, exactly one gets it.
func TestLockRace(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		won := 0
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := AcquireLock(context.Background(), tt, LockOptions{})
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if !errors.Is(err, ErrLocked) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d of 16 concurrent AcquireLock calls won, want 1", won)
		}
	})
}

// TestLockTakeStale: a stale lock is taken over by exactly one of many
// takers; a live one by none.
func TestLockTakeStale(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		ctx := context.Background()
		live, err := AcquireLock(ctx, tt, LockOptions{Owner: "live", TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := AcquireLock(ctx, tt, LockOptions{TakeStale: true}); !errors.Is(err, ErrLocked) {
			t.Fatalf("TakeStale took a live lock: %v", err)
		}
		live.Release(ctx)
		if _, err := AcquireLock(ctx, tt, LockOptions{Owner: "dead", TTL: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var winners []*Lock
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := AcquireLock(ctx, tt, LockOptions{TakeStale: true, TTL: time.Hour})
				if err == nil {
					mu.Lock()
					winners = append(winners, l)
					mu.Unlock()
				} else if !errors.Is(err, ErrLocked) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%d took over the stale lock, want 1", len(winners))
		}
		if held, _ := ReadLock(ctx, tt); held == nil || held.ID != winners[0].Info().ID {
			t.Fatalf("lock is %v, want the winner's", held)
		}
		if err := winners[0].Release(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
