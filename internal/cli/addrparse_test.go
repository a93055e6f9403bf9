package cli

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	for _, tc := range []struct {
		arg    string
		family int
		want   string // Prefix(), "" when family-less
		given  bool
		err    string
	}{
		{arg: "10.0.0.1/24", want: "10.0.0.1/24", given: true},
		{arg: "10.0.0.1", want: "10.0.0.1/32"},
		{arg: "10/8", want: "10.0.0.0/8", given: true},
		{arg: "10.0.0/24", want: "10.0.0.0/24", given: true},
		{arg: "0x0a.010.0.1/0x18", want: "10.8.0.1/24", given: true},
		{arg: "10.0.0.1/255.255.255.0", want: "10.0.0.1/24", given: true},
		{arg: "2001:db8::1/64", want: "2001:db8::1/64", given: true},
		{arg: "::ffff:1.2.3.4/96", want: "::ffff:1.2.3.4/96", given: true},
		{arg: "default", given: true},
		{arg: "default", family: 4, want: "0.0.0.0/0", given: true},
		{arg: "any", family: 6, want: "::/0"},
		{arg: "10.0.0.300/24", err: `Error: any valid prefix is expected rather than "10.0.0.300/24".`},
		{arg: "10.0.0.1/33", err: `Error: any valid prefix is expected rather than "10.0.0.1/33".`},
		{arg: "10.0.0.1/-1", err: `Error: any valid prefix is expected rather than "10.0.0.1/-1".`},
		{arg: "10.0.0.1/", err: `Error: any valid prefix is expected rather than "10.0.0.1/".`},
		{arg: "10.0.0.1/255.0.255.0", err: `Error: any valid prefix is expected rather than "10.0.0.1/255.0.255.0".`},
		{arg: "10.0.0.1.5", err: `Error: any valid prefix is expected rather than "10.0.0.1.5".`},
		{arg: "fe80::1%eth0", err: `Error: any valid prefix is expected rather than "fe80::1%eth0".`},
		{arg: "::1/129", err: `Error: any valid prefix is expected rather than "::1/129".`},
		{arg: "default/0", err: `Error: any valid prefix is expected rather than "default/0".`},
		{arg: "::5/64", family: 4, err: `Error: inet prefix is expected rather than "::5/64".`},
		{arg: "10.1.1.1/24", family: 6, err: `Error: inet6 prefix is expected rather than "10.1.1.1/24".`},
		{arg: "foo", err: `Error: any valid prefix is expected rather than "foo".`},
	} {
		got, err := parsePrefix(tc.arg, tc.family)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || exitCode(err) != exitSyntax {
				t.Errorf("parsePrefix(%q, %d) error = %v, want %s (exit 1)", tc.arg, tc.family, err, tc.err)
			}
			continue
		}
		p := ""
		if got.Prefix().IsValid() {
			p = got.Prefix().String()
		}
		if err != nil || p != tc.want || got.BitsGiven != tc.given {
			t.Errorf("parsePrefix(%q, %d) = %s given=%v, %v; want %s given=%v", tc.arg, tc.family, p, got.BitsGiven, err, tc.want, tc.given)
		}
	}
}

func TestParseAddr(t *testing.T) {
	if a, err := parseAddr("10.1.255.255", 4); err != nil || a.Addr != netip.MustParseAddr("10.1.255.255") {
		t.Errorf("parseAddr(10.1.255.255, 4) = %v, %v", a.Addr, err)
	}
	if _, err := parseAddr("foo", 4); err == nil || err.Error() != `Error: inet address is expected rather than "foo".` {
		t.Errorf("parseAddr(foo, 4) error = %v", err)
	}
}

func TestParseLLAddr(t *testing.T) {
	for _, tc := range []struct {
		arg, want, err string
	}{
		{arg: "02:11:22:33:44:55", want: "02:11:22:33:44:55"},
		{arg: "2:0x11:22:33:44:5", want: "02:11:22:33:44:05"},
		{arg: "02:00:00:00:00:0g", want: "02:00:00:00:00:00"},
		{arg: "1.2.3.4", want: "01:02:03:04"},
		{arg: "zz", err: `"zz" is invalid lladdr.`},
		{arg: "02::03", err: `"" is invalid lladdr.`},
		{arg: "02:100", err: `"100" is invalid lladdr.`},
		{arg: "1.2.3.x", err: `"1.2.3.x" is invalid lladdr.`},
	} {
		got, err := parseLLAddr(tc.arg)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("parseLLAddr(%q) error = %v, want %s", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || hexMAC(got) != tc.want {
			t.Errorf("parseLLAddr(%q) = %s, %v; want %s", tc.arg, hexMAC(got), err, tc.want)
		}
	}
}

func hexMAC(b []byte) string {
	const digits = "0123456789abcdef"
	var s []byte
	for i, x := range b {
		if i > 0 {
			s = append(s, ':')
		}
		s = append(s, digits[x>>4], digits[x&15])
	}
	return string(s)
}

// FuzzParsePrefix checks that any argument either fails with ip's error
// or yields a prefix of its family's length and the family asked for.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"10.0.0.1/24", "10/8", "0x0a.1/0x10", "::1/128", "default", "1.2.3.4/255.255.0.0", " 1.2.3.4", "-0.1", "1:2::3:4/64"} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, arg string, family int) {
		family = []int{0, 4, 6}[uint(family)%3]
		a, err := parsePrefix(arg, family)
		if err != nil {
			if exitCode(err) != exitSyntax {
				t.Fatalf("parsePrefix(%q, %d) exit code %d", arg, family, exitCode(err))
			}
			return
		}
		if family != 0 && a.Family() != family {
			t.Fatalf("parsePrefix(%q, %d) family %d", arg, family, a.Family())
		}
		if a.Addr.IsValid() && !a.Prefix().IsValid() {
			t.Fatalf("parsePrefix(%q, %d) = invalid prefix %v/%d", arg, family, a.Addr, a.Bits)
		}
	})
}

// TestScanIPv4Fast: every address netip reads, scanIPv4's shortcut, is
// the address inet_aton's reading gives, and the forms netip refuses
// still read as inet_aton reads them.
func TestScanIPv4Fast(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	parts := []string{"0", "1", "9", "10", "99", "100", "255", "256", "010", "0x1f", "00", "1000", ""}
	for range 20000 {
		n := 1 + r.IntN(5)
		words := make([]string, n)
		for i := range words {
			words[i] = parts[r.IntN(len(parts))]
		}
		s := strings.Join(words, ".")
		got, gotOK := scanIPv4(s)
		want, wantOK := inetAton(s)
		if got != want || gotOK != wantOK {
			t.Fatalf("scanIPv4(%q) = %v %v, inet_aton reads %v %v", s, got, gotOK, want, wantOK)
		}
	}
	if a, ok := scanIPv4("10.0.0.010"); !ok || a != netip.MustParseAddr("10.0.0.8") {
		t.Errorf("scanIPv4(10.0.0.010) = %v %v, want 10.0.0.8 (octal)", a, ok)
	}
}
