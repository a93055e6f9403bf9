package cli

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/netnstest"
)

var mpRecord = flag.Bool("mphash.record", false, "print the vectors of TestMultipathHashVectors as recorded from the kernel")

// mpSettingsUnderTest are the hash settings the kernel comparison and the
// recorded vectors cover.
var mpSettingsUnderTest = []mpSettings{
	{seed: 0x5eed, policy4: 0, fields4: 7, policy6: 0, fields6: 7},
	{seed: 0x5eed, policy4: 1, fields4: 7, policy6: 1, fields6: 7},
	{seed: 0x5eed, policy4: 2, fields4: 7, policy6: 2, fields6: 7},
	{seed: 0x5eed, policy4: 3, fields4: 0x37, policy6: 3, fields6: 0x3f},
	{seed: 0x5eed, policy4: 3, fields4: 0x12, policy6: 3, fields6: 0x0a},
	{seed: 4294967295, policy4: 1, fields4: 7, policy6: 0, fields6: 7},
	{seed: 1, policy4: 3, fields4: 0xfc0, policy6: 3, fields6: 0xfc0},
}

// mpQueries returns random `route get` queries on the multipath routes:
// output and input, with and without a source, of several protocols,
// with ports and (IPv6) flow labels.
func mpQueries(r *rand.Rand, n int) []string {
	// rtm_getroute_parse_ip_proto takes these only.
	protos := [2][]string{{"", "udp", "tcp", "icmp"}, {"", "udp", "tcp", "ipv6-icmp"}}
	var qs []string
	for range n {
		v6 := r.IntN(2) == 1
		var w []string
		group := r.IntN(3) == 0
		switch {
		case v6 && group:
			w = append(w, fmt.Sprintf("2001:db8:98::%x", r.IntN(0x10000)))
		case v6:
			w = append(w, fmt.Sprintf("2001:db8:99::%x", r.IntN(0x10000)))
		case group:
			w = append(w, fmt.Sprintf("203.0.113.%d", r.IntN(256)))
		default:
			w = append(w, fmt.Sprintf("198.51.100.%d", r.IntN(256)))
		}
		switch r.IntN(3) {
		case 0:
			if v6 {
				w = append(w, "from", "2001:db8::1")
			} else {
				w = append(w, "from", "10.0.0.1")
			}
		case 1:
			if v6 {
				w = append(w, "from", fmt.Sprintf("2001:db8:7::%x", r.IntN(0x10000)), "iif", "v0")
			} else {
				w = append(w, "from", fmt.Sprintf("192.0.2.%d", r.IntN(256)), "iif", "v0")
			}
		}
		ps := protos[0]
		if v6 {
			ps = protos[1]
		}
		if p := ps[r.IntN(len(ps))]; p != "" {
			w = append(w, "ipproto", p)
		}
		if r.IntN(4) > 0 {
			w = append(w, "sport", strconv.Itoa(r.IntN(65536)))
		}
		if r.IntN(4) > 0 {
			w = append(w, "dport", strconv.Itoa(r.IntN(65536)))
		}
		if v6 && r.IntN(2) == 1 {
			w = append(w, "flowlabel", fmt.Sprintf("%#x", r.IntN(1<<20)))
		}
		qs = append(qs, strings.Join(w, " "))
	}
	return qs
}

// mpRecorded is how many queries of each setting -mphash.record keeps.
const mpRecorded = 40

// TestIntegrationMultipathHashKernel asks the kernel (a namespace with
// the same routes and hash sysctls) and govrf the same `route get`
// queries and wants the same gateway for each; it also checks the
// recorded vectors. With -mphash.record it prints them instead.
func TestIntegrationMultipathHashKernel(t *testing.T) {
	netnstest.Enter(t)
	k := newKernelMultipath(t)
	r := rand.New(rand.NewPCG(7, 11))
	if *mpRecord {
		fmt.Println("var mpVectors = []struct {\n\tsettings mpSettings\n\tvectors  []mpVector\n}{")
	}
	for _, m := range mpSettingsUnderTest {
		k.set(t, m)
		ctl := newMultipathGovrf(t, m)
		qs := mpQueries(r, 120)
		bad := 0
		var rec strings.Builder
		for i, q := range qs {
			want := k.path(t, q)
			if got := govrfPath(t, ctl, q); got != want {
				bad++
				t.Errorf("%+v: route get %s: govrf path %d, Linux %d", m, q, got, want)
			}
			if i < mpRecorded {
				fmt.Fprintf(&rec, "\t\t{%q, %d},\n", q, want)
			}
		}
		if *mpRecord {
			fmt.Printf("\t{mpSettings{seed: %#x, policy4: %d, fields4: %#x, policy6: %d, fields6: %#x}, []mpVector{\n%s\t}},\n",
				m.seed, m.policy4, m.fields4, m.policy6, m.fields6, rec.String())
		}
		if bad > 0 {
			t.Errorf("%+v: %d of %d queries differ", m, bad, len(qs))
		}
	}
	if *mpRecord {
		fmt.Println("}")
		return
	}
	for _, g := range mpVectors {
		k.set(t, g.settings)
		for _, v := range g.vectors {
			if got := k.path(t, v.query); got != v.path {
				t.Errorf("%+v: route get %s: Linux now takes path %d, recorded %d", g.settings, v.query, got, v.path)
			}
		}
	}
}

// kernelMultipath is mpSetup in the test's namespace, on a veth.
type kernelMultipath struct {
	fd  int
	seq uint32
	v0  int
}

func newKernelMultipath(t *testing.T) *kernelMultipath {
	netnstest.IP(t, "link", "add", "v0", "type", "veth", "peer", "name", "v0p")
	netnstest.IP(t, "link", "set", "v0p", "up")
	netnstest.IP(t, "link", "set", "v0", "up")
	for _, s := range mpSetup() {
		w, err := splitLine(s)
		if err != nil {
			t.Fatal(err)
		}
		if w[0] == "sysctl" {
			mpSysctl(t, w[2])
			continue
		}
		netnstest.IP(t, w...)
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	ifi, err := net.InterfaceByName("v0")
	if err != nil {
		t.Fatal(err)
	}
	return &kernelMultipath{fd: fd, v0: ifi.Index}
}

func mpSysctl(t *testing.T, kv string) {
	t.Helper()
	if out, err := exec.Command("sysctl", "-qw", kv).CombinedOutput(); err != nil {
		t.Fatalf("sysctl %s: %v %s", kv, err, out)
	}
}

func (k *kernelMultipath) set(t *testing.T, m mpSettings) {
	for _, s := range m.sysctls() {
		mpSysctl(t, s)
	}
}

// path sends the query as an RTM_GETROUTE (ip of the kernel here does
// not know flowlabel) and returns the index of the answer's gateway.
func (k *kernelMultipath) path(t *testing.T, query string) int {
	t.Helper()
	w := strings.Fields(query)
	dst := netip.MustParseAddr(w[0])
	fam := byte(unix.AF_INET)
	if dst.Is6() {
		fam = unix.AF_INET6
	}
	var attrs []byte
	attr := func(typ uint16, v []byte) {
		a := make([]byte, 4, 4+len(v)+3)
		binary.NativeEndian.PutUint16(a, uint16(4+len(v)))
		binary.NativeEndian.PutUint16(a[2:], typ)
		a = append(a, v...)
		for len(a)%4 != 0 {
			a = append(a, 0)
		}
		attrs = append(attrs, a...)
	}
	attr(unix.RTA_DST, dst.AsSlice())
	for i := 1; i+1 < len(w); i += 2 {
		v := w[i+1]
		switch w[i] {
		case "from":
			attr(unix.RTA_SRC, netip.MustParseAddr(v).AsSlice())
		case "iif":
			attr(unix.RTA_IIF, binary.NativeEndian.AppendUint32(nil, uint32(k.v0)))
		case "ipproto":
			p, ok := parseIPProto(v)
			if !ok {
				t.Fatalf("ipproto %s", v)
			}
			attr(unix.RTA_IP_PROTO, []byte{p})
		case "sport", "dport":
			n, _ := strconv.ParseUint(v, 0, 16)
			typ := uint16(unix.RTA_SPORT)
			if w[i] == "dport" {
				typ = unix.RTA_DPORT
			}
			attr(typ, binary.BigEndian.AppendUint16(nil, uint16(n)))
		case "flowlabel":
			n, _ := strconv.ParseUint(v, 0, 32)
			attr(31, binary.BigEndian.AppendUint32(nil, uint32(n))) // RTA_FLOWLABEL
		default:
			t.Fatalf("query word %s", w[i])
		}
	}
	k.seq++
	msg := make([]byte, unix.NLMSG_HDRLEN+unix.SizeofRtMsg)
	binary.NativeEndian.PutUint32(msg, uint32(len(msg)+len(attrs)))
	binary.NativeEndian.PutUint16(msg[4:], unix.RTM_GETROUTE)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(msg[8:], k.seq)
	msg[16] = fam
	msg[17] = byte(8 * len(dst.AsSlice())) // rtm_dst_len
	msg = append(msg, attrs...)
	if err := unix.Sendto(k.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	n, _, err := unix.Recvfrom(k.fd, buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil || len(msgs) == 0 {
		t.Fatalf("route get %s: %v", query, err)
	}
	m := msgs[0]
	if m.Header.Type == unix.NLMSG_ERROR {
		t.Fatalf("route get %s: errno %d", query, -int32(binary.NativeEndian.Uint32(m.Data)))
	}
	as, err := syscall.ParseNetlinkRouteAttr(&m)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Attr.Type == unix.RTA_GATEWAY {
			return int(a.Value[len(a.Value)-1]) - 2
		}
	}
	t.Fatalf("route get %s: no gateway", query)
	return -1
}
