package signing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

// Calendar units for key lifetimes. A year is 365 days and a month 30:
// a key's expiry is a safety net, not an appointment.
var lifetimeUnits = []struct {
	suffix string
	unit   time.Duration
}{
	{"mo", 30 * 24 * time.Hour}, // before "m"-less suffixes, and never minutes
	{"y", 365 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
}

// maxLifetime is what an OpenPGP key lifetime (32-bit seconds) can hold.
const maxLifetime = 136 * 365 * 24 * time.Hour

// ParseLifetime reads a key lifetime: "2y", "18mo", "90d", "6w", any Go
// duration ("36h"), or "0"/"never" for a key that never expires.
func ParseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "0" || s == "never" {
		return 0, nil
	}
	for _, u := range lifetimeUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 || time.Duration(n) > maxLifetime/u.unit {
			break
		}
		return time.Duration(n) * u.unit, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		// "18m" is 18 minutes to Go but likely meant months: a key that
		// expires within a day is a typo, not a policy.
		if d < 24*time.Hour {
			return 0, errs.Usage(fmt.Errorf("lifetime %q is shorter than a day (months are \"mo\", e.g. 18mo)", s))
		}
		return d, nil
	}
	return 0, errs.Usage(fmt.Errorf("lifetime %q: want a number with y, mo, w or d (2y, 18mo, 90d), a duration such as 36h, or never", s))
}
