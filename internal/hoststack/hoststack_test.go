package hoststack

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestConfigDefaults(t *testing.T) {
	for _, tt := range []struct {
		in      Config
		tun     string
		wantErr string
	}{
		{in: Config{VRF: "blue"}, tun: "blue"},
		{in: Config{VRF: "default"}, tun: "default"},
		{in: Config{VRF: "a-very-long-vrf-name"}, tun: "a-very-long-vrf"},
		{in: Config{VRF: "blue", TunName: "vrf-blue", MTU: 1280}, tun: "vrf-blue"},
		{in: Config{VRF: ""}, wantErr: `invalid VRF name ""`},
		{in: Config{VRF: "a/b"}, wantErr: `invalid VRF name "a/b"`},
		{in: Config{VRF: ".."}, wantErr: `invalid VRF name ".."`},
		{in: Config{VRF: "blue", TunName: "a b"}, wantErr: `invalid device name "a b"`},
		{in: Config{VRF: "blue", TunName: "a:1"}, wantErr: `invalid device name "a:1"`},
		{in: Config{VRF: "blue", TunName: "sixteen-octets-x"}, wantErr: "invalid device name"},
		{in: Config{VRF: "blue", MTU: 1279}, wantErr: "MTU 1279 below 1280"},
	} {
		got, err := tt.in.withDefaults()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v.withDefaults() = %v, want error %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.TunName != tt.tun || got.NetnsDir != DefaultNetnsDir {
			t.Errorf("%+v.withDefaults() = %+v, %v; want TunName %q, NetnsDir %q", tt.in, got, err, tt.tun, DefaultNetnsDir)
		}
	}
	if got := NamespaceName("blue"); got != "govrf-blue" {
		t.Errorf(`NamespaceName("blue") = %q, want "govrf-blue"`, got)
	}
}

func TestNewMirror(t *testing.T) {
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	m, err := newMirror(
		[]netip.Prefix{
			pfx("192.168.1.1/24"), pfx("127.0.0.1/8"), pfx("::1/128"),
			pfx("192.168.1.1/24"), pfx("192.168.1.1/16"), // IPv4: one address per length
			pfx("2001:db8::1/64"), pfx("2001:db8::1/48"), // IPv6: one length per address
			pfx("fe80::1/64"),
		},
		[]Route{
			{Prefix: pfx("10.1.2.3/8"), Src: addr("192.168.1.1")},
			{Prefix: pfx("10.0.0.0/8"), Src: addr("192.168.9.9")}, // same key: the first stays
			{Prefix: pfx("10.0.0.0/8"), Metric: 10},
			{Prefix: pfx("172.16.0.0/12"), Type: Unreachable, Src: addr("192.168.1.1")},
			{Prefix: pfx("2001:db8::/64"), Src: addr("2001:db8::1")},
			{Prefix: pfx("2001:db8::/64"), Metric: 1024}, // = metric 0
			{Prefix: pfx("::/0"), Type: Prohibit, Metric: 5},
		})
	if err != nil {
		t.Fatalf("newMirror() = %v", err)
	}
	wantAddrs := []netip.Prefix{pfx("192.168.1.1/24"), pfx("192.168.1.1/16"), pfx("2001:db8::1/64"), pfx("fe80::1/64")}
	if !reflect.DeepEqual(m.addrs, wantAddrs) {
		t.Errorf("newMirror() addresses = %v, want %v", m.addrs, wantAddrs)
	}
	wantRoutes := []Route{
		{Prefix: pfx("10.0.0.0/8"), Src: addr("192.168.1.1")},
		{Prefix: pfx("10.0.0.0/8"), Metric: 10},
		{Prefix: pfx("172.16.0.0/12"), Type: Unreachable},
		{Prefix: pfx("2001:db8::/64"), Src: addr("2001:db8::1"), Metric: 1024},
		{Prefix: pfx("::/0"), Type: Prohibit, Metric: 5},
	}
	if !reflect.DeepEqual(m.routes, wantRoutes) {
		t.Errorf("newMirror() routes = %v, want %v", m.routes, wantRoutes)
	}
	if len(m.byKey) != len(wantRoutes) {
		t.Errorf("newMirror() has %d keys, want %d", len(m.byKey), len(wantRoutes))
	}
}

func TestNewMirrorInvalid(t *testing.T) {
	pfx := netip.MustParsePrefix
	for _, tt := range []struct {
		addrs  []netip.Prefix
		routes []Route
		want   string
	}{
		{addrs: []netip.Prefix{{}}, want: "invalid address invalid Prefix"},
		{addrs: []netip.Prefix{pfx("::ffff:1.2.3.4/128")}, want: "invalid address ::ffff:1.2.3.4/128"},
		{routes: []Route{{}}, want: "invalid route invalid Prefix"},
		{routes: []Route{{Prefix: pfx("10.0.0.0/8"), Type: Blackhole + 1}}, want: "invalid route RouteType(4) 10.0.0.0/8"},
		{routes: []Route{{Prefix: pfx("10.0.0.0/8"), Src: netip.MustParseAddr("2001:db8::1")}},
			want: "invalid route 10.0.0.0/8 src 2001:db8::1 metric 0: source of another family"},
	} {
		if _, err := newMirror(tt.addrs, tt.routes); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newMirror(%v, %v) = %v, want error %q", tt.addrs, tt.routes, err, tt.want)
		}
	}
}

func TestRouteString(t *testing.T) {
	for _, tt := range []struct {
		r    Route
		want string
	}{
		{Route{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Src: netip.MustParseAddr("192.168.1.1")}, "10.0.0.0/8 src 192.168.1.1 metric 0"},
		{Route{Prefix: netip.MustParsePrefix("::/0"), Type: Unreachable, Metric: 1024}, "unreachable ::/0 metric 1024"},
		{Route{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Type: Prohibit}, "prohibit 10.0.0.0/8 metric 0"},
		{Route{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Type: Blackhole}, "blackhole 10.0.0.0/8 metric 0"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestExecErrorUnwrap(t *testing.T) {
	err := error(&ExecError{Msg: `exec of "x" failed: No such file or directory`, Err: unix.ENOENT})
	if !errors.Is(err, unix.ENOENT) || err.Error() != `exec of "x" failed: No such file or directory` {
		t.Errorf("ExecError = %q, Is(ENOENT) = %v; want its message and true", err, errors.Is(err, unix.ENOENT))
	}
}
