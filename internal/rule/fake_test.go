package rule

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
)

// link is one link of a fake namespace.
type link struct {
	index  int
	vrf    bool        // the link is a VRF
	master int         // index of its VRF, or 0
	table  fib.TableID // a VRF's table
	group  int
}

// fakeLinks maps link names to links; it is Links and Domains.
type fakeLinks map[string]link

func (l fakeLinks) Index(name string) (int, bool, bool) {
	k, ok := l[name]
	return k.index, k.vrf, ok
}

func (l fakeLinks) byIndex(i int) (link, bool) {
	for _, k := range l {
		if k.index == i {
			return k, true
		}
	}
	return link{}, false
}

func (l fakeLinks) Group(i int) int {
	k, _ := l.byIndex(i)
	return k.group
}

func (l fakeLinks) L3Domain(i int) (int, fib.TableID, bool, bool) {
	k, ok := l.byIndex(i)
	switch {
	case !ok:
		return 0, 0, false, false
	case k.vrf:
		return k.index, k.table, true, true
	case k.master != 0:
		m, _ := l.byIndex(k.master)
		return m.index, m.table, false, true
	}
	return 0, 0, false, true
}

// testLinks is the namespace most tests use: eth1 and eth2 are ports of
// VRF blue (table 10), eth3 of red (table 20), eth4 is in no VRF.
var testLinks = fakeLinks{
	"lo":   {index: 1},
	"eth1": {index: 2, master: 10, group: 1},
	"eth2": {index: 3, master: 10},
	"eth3": {index: 4, master: 11, group: 7},
	"eth4": {index: 5, group: 7},
	"blue": {index: 10, vrf: true, table: 10},
	"red":  {index: 11, vrf: true, table: 20},
}

// answer is one table's reply in fakeTables.
type answer struct {
	plen, dev int
	err       error
}

// fakeTables answers from a fixed map; a missing table misses (EAGAIN).
// It records the tables asked for.
type fakeTables struct {
	answers map[fib.TableID]answer
	calls   []fib.TableID
}

func (t *fakeTables) LookupTable(id fib.TableID) (int, int, error) {
	t.calls = append(t.calls, id)
	a, ok := t.answers[id]
	if !ok {
		return 0, 0, syscall.EAGAIN
	}
	return a.plen, a.dev, a.err
}

// base returns a rule as `ip rule add pref P table T` makes it: the
// suppressors off.
func base(pref uint32, table fib.TableID) Rule {
	return Rule{Pref: pref, Action: ActionTable, Table: table, SuppressPrefixlen: -1, SuppressIfgroup: -1}
}

// with returns r after applying edit, for compact table entries.
func with(r Rule, edit func(*Rule)) Rule {
	edit(&r)
	return r
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }
