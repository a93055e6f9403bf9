package fib

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
)

// TestSnapshotIsolation writes a fork of a frozen table past the point
// where it copies the trie, while another goroutine reads the frozen table
// and checks every answer against the ones it gave before the fork.
func TestSnapshotIsolation(t *testing.T) {
	frozen := NewTable(TableMain)
	loadInternet(frozen, 2000, 7)
	frozen.Freeze()
	listing := slices.Collect(frozen.All())
	r := rand.New(rand.NewPCG(8, 8))
	queries := make([]Query, 256)
	answers := make([]Result, len(queries))
	for i := range queries {
		queries[i] = Query{Dst: netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), 0, 1}), Hash: r.Uint32()}
		answers[i], _ = frozen.Lookup(&queries[i])
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 1)
	wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			i := n % len(queries)
			if got, _ := frozen.Lookup(&queries[i]); got != answers[i] {
				errs <- fmt.Sprintf("frozen Lookup(%v) = %+v, want %+v", queries[i].Dst, got, answers[i])
				return
			}
		}
	})

	fork := frozen.Mutable()
	if fork == frozen {
		t.Fatal("Mutable() of a frozen table returned the table itself")
	}
	writes := persistLimit(frozen.Len()) * 3
	for i := range writes {
		switch i % 3 {
		case 0:
			_, _ = fork.Delete(Route{Prefix: listing[i].Prefix, Scope: ScopeNowhere})
		case 1:
			_ = fork.Add(internetRoute(r), OpAdd)
		default:
			fork.SetDevDead(2+i%4, i%2 == 0)
		}
		if i == writes/2 && fork.shared {
			t.Errorf("fork still writes persistently after %d writes", i)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatal(e)
	default:
	}
	if got := slices.Collect(frozen.All()); !sameRoutes(got, listing) {
		t.Fatalf("frozen All() changed after writes to its fork")
	}
	if frozen.Len() != len(listing) {
		t.Fatalf("frozen Len() = %d, want %d", frozen.Len(), len(listing))
	}
	if fork.Len() == frozen.Len() && sameRoutes(slices.Collect(fork.All()), listing) {
		t.Fatal("fork shows none of its writes")
	}
}

// TestSiblingForks writes two forks of one frozen table: they share its
// pools and must not see each other's writes.
func TestSiblingForks(t *testing.T) {
	frozen := tableOf(t, "10.0.0.0/8 via 192.0.2.1 dev 2")
	frozen.Freeze()
	a, b := frozen.Mutable(), frozen.Mutable()
	if err := a.Add(rt(t, "10.1.0.0/16 via 192.0.2.7 dev 3 src 10.1.0.1"), OpAdd); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(rt(t, "10.1.0.0/16 via 192.0.2.8 dev 4 src 10.1.0.2"), OpAdd); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tb   *Table
		want string
	}{{frozen, "10.0.0.0/8 via 192.0.2.1 dev 2"}, {a, "10.1.0.0/16 src 10.1.0.1 via 192.0.2.7 dev 3"},
		{b, "10.1.0.0/16 src 10.1.0.2 via 192.0.2.8 dev 4"}} {
		res, ok := c.tb.Lookup(&Query{Dst: netip.MustParseAddr("10.1.2.3")})
		if got := fmtResult(res, ok); got != wantResult(t, c.want) {
			t.Fatalf("Lookup(10.1.2.3) = %s, want %s", got, c.want)
		}
	}
}

func TestMutable(t *testing.T) {
	tb := NewTable(TableMain)
	if tb.Mutable() != tb {
		t.Fatal("Mutable() of a writable table is not the table")
	}
	tb.Freeze()
	defer func() {
		if recover() == nil {
			t.Fatal("Add to a frozen table did not panic")
		}
	}()
	_ = tb.Add(rt(t, "10.0.0.0/8 dev 2"), OpAdd)
}
