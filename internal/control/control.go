// Package control is govrf's single writer: links, addresses, routes,
// rules, nexthop objects and sysctls, changed with the kernel's semantics
// and side effects, and published as an immutable Snapshot after every
// change so that any number of readers (the data plane, show commands)
// read without locks.
//
// Every operation validates first and changes state only once it cannot
// fail, so a refused command leaves nothing behind.
package control

import (
	"sync"
	"sync/atomic"
)

// Control holds the configuration and publishes snapshots of it.
type Control struct {
	mu   sync.Mutex // serialises writers
	hold int        // >0 while a batch defers publication
	work *Snapshot  // the state being changed; nil when none is pending
	pub  atomic.Pointer[Snapshot]
	subs []*subscriber // called on every publication (changes.go)
	// changes counts the operations that changed the state (Changes).
	changes uint64
}

// New returns a control plane in the state of a fresh network namespace:
// lo (index 1) up with 127.0.0.1/8 and ::1/128, the tables local, main and
// default, the default rules of both families, and Linux's sysctl defaults.
// It models the running kernel's build options (HostKernel).
func New() *Control { return NewFor(HostKernel()) }

// NewFor is New for a control plane that models kernel k rather than the
// running one.
func NewFor(k Kernel) *Control {
	c := &Control{}
	s := newSnapshot()
	s.kernel = k
	c.pub.Store(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.begin()
	lo := w.addLink(&Link{Name: "lo", Kind: KindLoopback, MTU: 65536, Flags: FlagLoopback})
	w.setUp(lo, true)
	w.addAddr(lo, mustAddr("127.0.0.1/8", lo.Index))
	w.addAddr(lo, mustAddr("::1/128", lo.Index))
	c.commit()
	return c
}

// Snapshot returns the current published state. It never blocks.
func (c *Control) Snapshot() *Snapshot { return c.pub.Load() }

// Hold defers publication until the returned release is called, so that a
// batch of changes (a config file, `-batch`) publishes once. Readers keep
// seeing the last published snapshot meanwhile; Snapshot-reading commands
// inside the batch should call Publish first.
func (c *Control) Hold() (release func()) {
	c.mu.Lock()
	c.hold++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.hold--
			c.commit()
		})
	}
}

// View returns the state as the caller's own changes left it: inside a
// batch (Hold), the pending working state with its rule lists compiled;
// otherwise the published snapshot. Only the goroutine running the batch
// may use a pending view, and only until its next change; everyone else
// reads Snapshot.
func (c *Control) View() *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.work == nil {
		return c.pub.Load()
	}
	if c.work.stale {
		c.work.compileRules()
	}
	return c.work
}

// Publish publishes pending changes now, even inside Hold.
func (c *Control) Publish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.work != nil && c.work.dirty {
		c.publish()
	}
}

// do runs one operation under the writer lock on the working state.
func (c *Control) do(op func(w *Snapshot) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.begin()
	was := w.dirty
	w.dirty = false
	err := op(w)
	if w.dirty {
		c.changes++
	}
	w.dirty = w.dirty || was
	c.commit()
	return err
}

// Changes counts the operations that have changed the state since c was
// made, published or not: a batch compares it before and after a line to
// know whether the line changed anything while publication is held.
func (c *Control) Changes() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changes
}

// begin returns the working state, starting one from the published
// snapshot if none is pending.
func (c *Control) begin() *Snapshot {
	if c.work == nil {
		c.work = c.pub.Load().fork()
	}
	return c.work
}

// commit publishes the working state unless a batch holds it.
func (c *Control) commit() {
	if c.hold > 0 || c.work == nil {
		return
	}
	if c.work.dirty {
		c.publish()
	} else {
		c.work = nil
	}
}

func (c *Control) publish() {
	c.work.freeze()
	old := c.pub.Swap(c.work)
	c.notify(old, c.work)
	c.work = nil
}
