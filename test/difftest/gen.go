package difftest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
)

// generator writes one random configuration. Its address universe is
// small (10.0-3.0-3.x, 192.168.0-3.x, 2001:db8:0-3:0-3::x) so that
// addresses, routes, gateways and rule selectors overlap often.
type generator struct {
	r      *rand.Rand
	cfg    Config
	tables []string // numbered tables this configuration uses
	subs   []linkNet
	prefs  map[int][]int // rule preferences given, per family
}

// linkNet is a subnet configured on a link.
type linkNet struct {
	link   string
	prefix netip.Prefix // the address with its length
}

// Generate returns configuration number n of the series seed.
func Generate(seed uint64, n int) *Config {
	g := &generator{r: rand.New(rand.NewPCG(seed, uint64(n))), prefs: map[int][]int{}}
	g.links()
	// A stream of its own, so that the rest of the configuration is what
	// it was before the hash settings were drawn.
	g.hashSysctls(rand.New(rand.NewPCG(seed, uint64(n)^hashStream)))
	g.addrs()
	for _, t := range g.r.Perm(11)[:2+g.r.IntN(3)] {
		g.tables = append(g.tables, fmt.Sprint(10+t))
	}
	for _, fam := range []int{4, 6} {
		for range 6 + g.r.IntN(14) {
			g.route(fam)
		}
		for range g.r.IntN(9) {
			g.rule(fam)
		}
		if g.r.IntN(10) == 0 {
			g.add(fam, "rule del pref 32766") // misses now reach table default
		}
	}
	g.pool()
	return &g.cfg
}

func (g *generator) add(family int, format string, a ...any) {
	g.cfg.Cmds = append(g.cfg.Cmds, cmd(family, fmt.Sprintf(format, a...)))
}

// pick returns a random element of s.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// chance reports true with probability pct percent.
func (g *generator) chance(pct int) bool { return g.r.IntN(100) < pct }

func (g *generator) links() {
	fwd := "1"
	if g.chance(10) {
		fwd = "0" // forwarding off changes input routes
	}
	g.add(0, "sysctl -w net.ipv4.ip_forward=%s", fwd)
	g.add(0, "sysctl -w net.ipv6.conf.all.forwarding=%s", fwd)
	g.add(0, "link set lo up")
	for i := range 2 + g.r.IntN(3) {
		name := fmt.Sprintf("d%d", i)
		g.cfg.Pool.Links = append(g.cfg.Pool.Links, name)
		g.add(0, "link add %s type dummy", name)
		if i == 0 || g.chance(92) {
			g.add(0, "link set %s up", name)
			g.cfg.Pool.LinkLoc = append(g.cfg.Pool.LinkLoc, llName(name))
		}
	}
}

// hashStream picks the random stream of the hash settings.
const hashStream = 0x6d70686173680000

// hashSysctls sets the multipath hash seed, with which Linux's path
// choice is reproducible and govrf's must be the same, and draws each
// family's hash policy and, for policy 3, the fields.
func (g *generator) hashSysctls(r *rand.Rand) {
	g.add(0, "sysctl -w net.ipv4.fib_multipath_hash_seed=%d", 1+r.Uint32N(1<<32-1))
	for _, fam := range []string{"ipv4", "ipv6"} {
		p := r.IntN(4)
		if p != 0 {
			g.add(0, "sysctl -w net.%s.fib_multipath_hash_policy=%d", fam, p)
		}
		if p == 3 {
			g.add(0, "sysctl -w net.%s.fib_multipath_hash_fields=%d", fam, 1+r.IntN(0xfff))
		}
	}
}

func (g *generator) addrs() {
	for _, l := range g.cfg.Pool.Links {
		for _, fam := range []int{4, 6} {
			for range 1 + g.r.IntN(2) {
				g.addr(l, fam)
			}
		}
	}
}

// addr adds an address to link l, often in a subnet already in use.
func (g *generator) addr(l string, fam int) {
	var p netip.Prefix
	if old := g.subnets(fam); len(old) > 0 && g.chance(25) {
		p = pick(g.r, old).prefix.Masked()
	} else if fam == 4 {
		p = g.prefix4(pick(g.r, []int{8, 16, 24, 24, 24, 25, 28, 30, 31, 32}))
	} else {
		p = g.prefix6(pick(g.r, []int{48, 56, 64, 64, 64, 120, 127, 128}))
	}
	a := netip.PrefixFrom(g.hostIn(p), p.Bits())
	g.subs = append(g.subs, linkNet{l, a})
	g.cfg.Pool.Local = append(g.cfg.Pool.Local, a.Addr())
	var opt []string
	if fam == 6 {
		opt = append(opt, "nodad")
	} else if g.chance(20) {
		opt = append(opt, "brd +")
	}
	if g.chance(8) {
		opt = append(opt, "noprefixroute")
	}
	if g.chance(10) {
		opt = append(opt, fmt.Sprintf("metric %d", pick(g.r, []int{1, 50, 300})))
	}
	if fam == 4 && g.chance(8) {
		opt = append(opt, "scope "+pick(g.r, []string{"link", "host"}))
	}
	g.add(0, "addr add %s dev %s %s", a, l, strings.Join(opt, " "))
}

func (g *generator) subnets(fam int) []linkNet {
	var out []linkNet
	for _, s := range g.subs {
		if s.prefix.Addr().Is4() == (fam == 4) {
			out = append(out, s)
		}
	}
	return out
}

// addr4 returns a random address of the IPv4 universe.
func (g *generator) addr4() netip.Addr {
	b := [4]byte{10, byte(g.r.IntN(4)), byte(g.r.IntN(4)), byte(g.r.IntN(256))}
	if g.chance(20) {
		b[0], b[1] = 192, 168
	}
	return netip.AddrFrom4(b)
}

// addr6 returns a random address of the IPv6 universe.
func (g *generator) addr6() netip.Addr {
	var b [16]byte
	copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(g.r.IntN(4)), 0, byte(g.r.IntN(4))})
	if g.chance(50) {
		b[15] = byte(g.r.IntN(256))
	} else {
		for i := 8; i < 16; i++ {
			b[i] = byte(g.r.IntN(256))
		}
	}
	return netip.AddrFrom16(b)
}

func (g *generator) prefix4(bits int) netip.Prefix {
	return netip.PrefixFrom(g.addr4(), bits).Masked()
}

func (g *generator) prefix6(bits int) netip.Prefix {
	return netip.PrefixFrom(g.addr6(), bits).Masked()
}

// hostIn returns a random address of p that is neither its network nor
// (for IPv4 below /31) its broadcast address.
func (g *generator) hostIn(p netip.Prefix) netip.Addr {
	for range 16 {
		a := randomIn(g.r, p)
		if p.Bits() >= p.Addr().BitLen()-1 || a != p.Addr() && a != lastAddr(p) {
			return a
		}
	}
	return p.Addr().Next()
}

// randomIn returns a random address of p.
func randomIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		if r.IntN(2) == 1 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// pool collects the addresses worth asking about: prefix edges and their
// neighbours, addresses inside every configured prefix, gateways.
func (g *generator) pool() {
	p := &g.cfg.Pool
	for _, c := range g.cfg.Cmds {
		for i, w := range c.Words {
			if pr, err := netip.ParsePrefix(w); err == nil {
				pr = pr.Masked()
				lo, hi := pr.Addr(), lastAddr(pr)
				p.Dst = append(p.Dst, lo, hi, lo.Prev(), hi.Next(), randomIn(g.r, pr), randomIn(g.r, pr))
			} else if a, err := netip.ParseAddr(w); err == nil && i > 0 && c.Words[i-1] != "pref" {
				p.Dst = append(p.Dst, a, a.Next())
			}
		}
	}
	p.Dst = slices.DeleteFunc(p.Dst, func(a netip.Addr) bool { return !a.IsValid() })
}
