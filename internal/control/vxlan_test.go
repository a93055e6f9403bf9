package control

import (
	"errors"
	"net/netip"
	"slices"
	"syscall"
	"testing"
)

// TestChangeFDB applies bridge fdb changes one by one and checks the
// destinations each address is left with (vxlan_fdb_add,
// vxlan_fdb_delete).
func TestChangeFDB(t *testing.T) {
	zero, m1 := MAC{}, MAC{2, 0, 0, 0, 0, 1}
	a := netip.MustParseAddr
	c := New()
	if err := c.AddLink(LinkSpec{Name: "vx", Kind: KindVXLAN, VXLAN: &VXLAN{VNI: 100, Local: a("10.0.0.1"), Remote: a("10.0.0.2")}}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		op    FDBOp
		e     FDBEntry
		errno syscall.Errno
		mac   MAC
		want  []string
	}{
		{FDBAdd, FDBEntry{MAC: zero, Dst: a("10.0.0.3")}, syscall.EEXIST, zero, []string{"10.0.0.2"}},
		{FDBAppend, FDBEntry{MAC: zero, Dst: a("10.0.0.3")}, 0, zero, []string{"10.0.0.2", "10.0.0.3"}},
		{FDBAppend, FDBEntry{MAC: zero, Dst: a("10.0.0.3")}, 0, zero, []string{"10.0.0.2", "10.0.0.3"}},
		{FDBAdd, FDBEntry{MAC: m1, Dst: a("10.0.0.4")}, 0, m1, []string{"10.0.0.4"}},
		{FDBAppend, FDBEntry{MAC: m1, Dst: a("10.0.0.5")}, 0, m1, []string{"10.0.0.4"}},
		{FDBReplace, FDBEntry{MAC: m1, Dst: a("10.0.0.5")}, 0, m1, []string{"10.0.0.5"}},
		{FDBAdd, FDBEntry{MAC: m1}, syscall.EINVAL, m1, []string{"10.0.0.5"}},
		{FDBAdd, FDBEntry{MAC: m1, Dst: a("fd00::1")}, syscall.EAFNOSUPPORT, m1, []string{"10.0.0.5"}},
		{FDBDel, FDBEntry{MAC: zero, Dst: a("10.0.0.2")}, 0, zero, []string{"10.0.0.3"}},
		{FDBDel, FDBEntry{MAC: m1}, 0, m1, nil},
		{FDBDel, FDBEntry{MAC: m1}, syscall.ENOENT, m1, nil},
	}
	for i, s := range steps {
		err := c.ChangeFDB(s.op, "vx", s.e)
		if s.errno == 0 && err != nil || s.errno != 0 && !errors.Is(err, s.errno) {
			t.Fatalf("step %d: ChangeFDB(%d, %+v) = %v, want errno %v", i, s.op, s.e, err, s.errno)
		}
		var got []string
		for _, r := range c.Snapshot().LinkByName("vx").VXLAN.Remotes(s.mac) {
			got = append(got, r.String())
		}
		if !slices.Equal(got, s.want) {
			t.Fatalf("step %d: Remotes(%v) = %v, want %v", i, s.mac, got, s.want)
		}
	}
	if err := c.ChangeFDB(FDBAdd, "nope", FDBEntry{Dst: a("10.0.0.9")}); !errors.Is(err, syscall.ENODEV) {
		t.Fatalf("ChangeFDB on a missing link = %v, want ENODEV", err)
	}
}
