package tap

import (
	"testing"
	"time"
)

// TestGoneSignal checks that the channel closes and the functions run
// once fire is called, whether asked for before or after it.
func TestGoneSignal(t *testing.T) {
	for _, early := range []bool{true, false} {
		var g goneSignal
		ran := make(chan int, 4)
		var ch <-chan struct{}
		if early {
			ch = g.wait()
			g.then(func() { ran <- 1 })
		}
		g.fire()
		g.fire()
		if !early {
			ch = g.wait()
			g.then(func() { ran <- 1 })
		}
		g.then(func() { ran <- 2 })
		select {
		case <-ch:
		default:
			t.Errorf("early %v: channel open after fire", early)
		}
		got := 0
		for range 2 {
			select {
			case n := <-ran:
				got += n
			case <-time.After(5 * time.Second):
				t.Fatalf("early %v: a function did not run", early)
			}
		}
		if got != 3 {
			t.Errorf("early %v: functions ran %d, want 1+2", early, got)
		}
		select {
		case <-ran:
			t.Errorf("early %v: a function ran twice", early)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
