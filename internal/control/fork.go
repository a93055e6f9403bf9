package control

import "errors"

// ErrMoved is Install's error when the control plane changed after the
// fork was taken: the fork's changes were made on a state that is no
// longer current, so they are not installed.
var ErrMoved = errors.New("the state changed while the changes were prepared; nothing was applied: run them again")

// Fork is a scratch control plane: it starts from c's published state
// and changes a copy, shared where unchanged, that nobody else sees
// until Install puts it into c in one publication. Snapshots are
// immutable, so the fork costs what its changes cost.
type Fork struct {
	*Control
	base *Snapshot // c's published state when the fork was taken
}

// Fork returns a scratch control plane starting from c's published
// state. It publishes nothing of its own: its changes are held until
// Install (or dropped with the fork).
func (c *Control) Fork() *Fork {
	base := c.Snapshot()
	f := &Fork{Control: At(base), base: base}
	f.hold = 1
	return f
}

// Install makes f's changes c's state in one publication, as if they had
// been made on c inside one Hold, and publishes it even if c is held. It
// fails with ErrMoved, changing nothing, when c has changed or has
// pending changes since f was taken. f must not be used afterwards.
func (c *Control) Install(f *Fork) error {
	f.mu.Lock()
	w := f.work
	if w == nil && f.pub.Load() != f.base {
		w = f.pub.Load() // published on the fork: its latest state
	}
	f.work = nil
	n := f.changes
	f.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pub.Load() != f.base || c.work != nil {
		return ErrMoved
	}
	if w == nil || !w.dirty {
		return nil
	}
	c.changes += n
	c.work = w
	c.publish()
	return nil
}
