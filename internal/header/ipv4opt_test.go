package header

import (
	"bytes"
	"testing"
)

func TestIPv4CheckOptions(t *testing.T) {
	const (
		rr, ts, lsrr, ssrr, ra = IPv4OptRR, IPv4OptTimestamp, IPv4OptLSRR, IPv4OptSSRR, IPv4OptRouterAlert
	)
	tests := []struct {
		name string
		opts []byte
		ptr  int // -1: valid
	}{
		{"none", nil, -1},
		{"padding", []byte{1, 1, 1, 0}, -1},
		{"garbage after EOL", []byte{0, 7, 0, 99}, -1},
		{"unknown option", []byte{130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}, -1},
		{"router alert", []byte{ra, 4, 0, 0}, -1},
		{"router alert short", []byte{ra, 2, 1, 1}, 21},
		{"length 0", []byte{7, 0, 0, 0}, 20},
		{"length 1", []byte{1, 68, 1, 0}, 21},
		{"length past options", []byte{1, 1, 130, 3}, 22},
		{"type without length", []byte{1, 1, 1, 130}, 23},
		{"record route", []byte{rr, 7, 4, 0, 0, 0, 0}, -1},
		{"record route full", []byte{rr, 7, 8, 1, 2, 3, 4}, -1},
		{"record route short", []byte{rr, 2, 1, 1}, 21},
		{"record route pointer 3", []byte{rr, 7, 3, 0, 0, 0, 0}, 22},
		{"record route slot cut", []byte{rr, 7, 5, 0, 0, 0, 0}, 22},
		{"record route twice", []byte{rr, 3, 4, rr, 3, 4}, 23},
		{"loose source route", []byte{lsrr, 7, 4, 10, 0, 0, 1}, -1},
		{"strict source route pointer 2", []byte{ssrr, 7, 2, 10, 0, 0, 1}, 22},
		{"source route twice", []byte{lsrr, 3, 4, ssrr, 3, 4}, 23},
		{"second source route checked first", []byte{lsrr, 3, 4, ssrr, 3, 2}, 25},
		{"timestamp", []byte{ts, 8, 5, 0, 0, 0, 0, 0}, -1},
		{"timestamp with addresses", []byte{ts, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0}, -1},
		{"timestamp with addresses slot cut", []byte{ts, 8, 5, 1, 0, 0, 0, 0}, 22},
		{"timestamp prespecified slot cut", []byte{ts, 8, 5, 3, 0, 0, 0, 0}, 22},
		{"timestamp short", []byte{ts, 3, 5, 0}, 21},
		{"timestamp pointer 4", []byte{ts, 8, 4, 0, 0, 0, 0, 0}, 22},
		{"timestamp slot cut", []byte{ts, 8, 6, 0, 0, 0, 0, 0}, 22},
		{"timestamp full", []byte{ts, 8, 9, 0xe0, 0, 0, 0, 0}, -1},
		{"timestamp overflowed", []byte{ts, 8, 9, 0xf0, 0, 0, 0, 0}, 23},
		{"timestamp twice", []byte{ts, 4, 5, 0, ts, 4, 5, 0}, 24},
	}
	for _, tt := range tests {
		b := buildIPv4(tt.opts, nil)
		if r := b.Validate(); r != ReasonNone {
			t.Fatalf("%s: Validate() = %v", tt.name, r)
		}
		want := Problem{}
		if tt.ptr >= 0 {
			want = Problem{Reason: ReasonBadOptions, Send: true, Pointer: uint32(tt.ptr)}
		}
		if got := b.CheckOptions(); got != want {
			t.Fatalf("%s: CheckOptions(% x) = %+v, want %+v", tt.name, tt.opts, got, want)
		}
	}
}

func TestIPv4OptionIter(t *testing.T) {
	b := buildIPv4([]byte{1, IPv4OptRouterAlert, 4, 0, 0, 1, IPv4OptRR, 3, 4, 0}, nil)
	var types []uint8
	var offs []int
	it := b.OptionIter()
	for o, at, ok := it.Next(); ok; o, at, ok = it.Next() {
		types = append(types, o.Type())
		offs = append(offs, at)
	}
	if !bytes.Equal(types, []uint8{IPv4OptRouterAlert, IPv4OptRR}) || offs[0] != 21 || offs[1] != 26 || !it.Err().OK() {
		t.Fatalf("options = %v at %v, err %v; want [148 7] at [21 26]", types, offs, it.Err())
	}
	o, at, ok := b.FindOption(IPv4OptRR)
	if !ok || at != 26 || !bytes.Equal(o.Data(), []byte{4}) || o.Copied() {
		t.Fatalf("FindOption(RR) = % x, %d, %v", o, at, ok)
	}
	if _, _, ok := b.FindOption(IPv4OptLSRR); ok {
		t.Fatalf("FindOption(LSRR) found one")
	}
}

func TestIPv4ClearUncopiedOptions(t *testing.T) {
	// LSRR is copied into every fragment; record route and timestamp are not.
	opts := []byte{IPv4OptRR, 3, 4, IPv4OptLSRR, 7, 4, 10, 0, 0, 1, IPv4OptTimestamp, 4, 5, 0}
	b := buildIPv4(opts, nil)
	b.ClearUncopiedOptions()
	want := []byte{1, 1, 1, IPv4OptLSRR, 7, 4, 10, 0, 0, 1, 1, 1, 1, 1, 0, 0}
	if got := b.Options(); !bytes.Equal(got, want) {
		t.Fatalf("ClearUncopiedOptions() left % x, want % x", got, want)
	}
}
