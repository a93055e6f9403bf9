package sim

import (
	"sync"
	"time"
)

// Clock is the time hosts measure timeouts and round trips against. A
// Stepped network runs on a manual clock that moves only when the network
// has nothing left to do; a Concurrent one on the system clock. A router
// under test takes the same Clock, so its timers and the hosts' agree.
type Clock interface {
	Now() time.Time
}

// epoch is where a manual clock starts: a fixed instant, so that runs
// print the same times.
var epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// manualClock is a Clock that a stepped network sets. It is safe for
// concurrent use, so a router may read it from its own goroutines.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set moves the clock to t; it never moves backwards.
func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
