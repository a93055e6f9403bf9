package cli

import (
	"errors"
	"fmt"
	"path"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/rterr"
)

// addrDelete runs `addr del`. The kernel matches what the request names:
// the address and prefix length, and for IPv4 also the label; an IPv4
// address without a prefix length is a wildcard for any length, and with
// a family but no address the first IPv4 address goes (inet_rtm_deladdr).
func addrDelete(c *ctx, l *control.Link, req addrReq) error {
	if req.family == 0 {
		return rterr.New(syscall.EOPNOTSUPP, "")
	}
	if !req.hasLocal && req.family == 6 {
		return rterr.New(syscall.EINVAL, "")
	}
	wildcard := req.family == 4 && !req.local.BitsGiven
	if wildcard && req.hasLocal {
		fmt.Fprintf(c.warn, "Warning: Executing wildcard deletion to stay compatible with old scripts.\n"+
			"         Explicitly specify the prefix length (%s/%d) to avoid this warning.\n"+
			"         This special behaviour is likely to disappear in further releases,\n"+
			"         fix your scripts!\n", req.localArg, 32)
	}
	for _, ad := range l.Addrs {
		if familyOf(ad.Is4()) != req.family {
			continue
		}
		if req.hasLocal && (ad.Prefix.Addr() != req.local.Addr || !wildcard && ad.Prefix.Bits() != req.local.Bits) {
			continue
		}
		if req.family == 4 && req.label != "" && addrLabel(l, &ad) != req.label {
			continue
		}
		return addrRefusal(c.ctl.DelAddr(l.Name, ad.Prefix), req.family, true)
	}
	return addrRefusal(rterr.New(syscall.EADDRNOTAVAIL, ""), req.family, true)
}

// addrRefusal gives a refusal the extended ack the kernel sends with it
// (devinet.c inet_rtm_newaddr and inet_rtm_deladdr, addrconf.c
// inet6_rtm_newaddr and inet6_addr_del).
func addrRefusal(err error, family int, del bool) error {
	var re *rterr.Error
	if !errors.As(err, &re) || re.Msg != "" {
		return err
	}
	msg := ""
	switch {
	case re.Errno == syscall.EEXIST && !del && family == 4:
		msg = "ipv4: Address already assigned"
	case re.Errno == syscall.EADDRNOTAVAIL && del && family == 4:
		msg = "ipv4: Address not found"
	case re.Errno == syscall.EEXIST && !del && family == 6:
		msg = "ipv6: address already assigned"
	case re.Errno == syscall.EADDRNOTAVAIL && del && family == 6:
		msg = "ipv6: address not found"
	default:
		return err
	}
	return rterr.New(re.Errno, msg)
}

// addrLabel is an IPv4 address's label: the one given, else the link's
// name.
func addrLabel(l *control.Link, a *control.Addr) string {
	if a.Label != "" {
		return a.Label
	}
	return l.Name
}

// addrList runs `addr show`.
func addrList(c *ctx, a *args) error {
	f, err := parseListFilter(c, a, c.opts.Family, addrUsage)
	if err != nil {
		return err
	}
	return listLinks(c, f, false)
}

// addrFlushRounds bounds a flush as ip's default -loops does.
const addrFlushRounds = 10

// addrFlush runs `addr flush`: rounds of deleting every address the
// filter selects until none is left (ipaddr_flush). -s reports the rounds.
// Unlike ip, whose flush request carries only the device, the link
// selectors (master, vrf, type, group, up) limit a flush as they limit a
// listing: `addr flush vrf blue` does not touch other VRFs.
func addrFlush(c *ctx, a *args) error {
	if !a.more() {
		return failf(exitSyntax, "Flush requires arguments.")
	}
	f, err := parseListFilter(c, a, c.opts.Family, addrUsage)
	if err != nil {
		return err
	}
	for round := 0; round < addrFlushRounds; round++ {
		s := c.ctl.View()
		flushed := 0
		for _, l := range f.links(s, false) {
			if !f.linkMatches(s, l) {
				continue
			}
			for _, ad := range l.Addrs {
				if !f.addrMatches(s, l, &ad) {
					continue
				}
				// Deleting a primary takes its secondaries along, so
				// some of these are gone already.
				c.ctl.DelAddr(l.Name, ad.Prefix)
				flushed++
			}
		}
		if flushed == 0 {
			if c.opts.Stats > 0 {
				if round == 0 {
					fmt.Fprintf(c.out, "Nothing to flush.\n")
				} else {
					fmt.Fprintf(c.out, "*** Flush is complete after %d round%s ***\n", round, plural(round))
				}
			}
			return nil
		}
		if c.opts.Stats > 0 {
			fmt.Fprintf(c.out, "\n*** Round %d, deleting %d addresses ***\n", round+1, flushed)
		}
		if f.flagMask&ifaSecondary != 0 && f.flags&ifaSecondary == 0 {
			// Flushing primaries: one round, or the secondaries
			// promoted meanwhile would go too.
			if c.opts.Stats > 0 {
				fmt.Fprintf(c.out, "*** Flush is complete after %d round%s ***\n", round+1, plural(round+1))
			}
			return nil
		}
	}
	return returnf(exitUsage, "*** Flush remains incomplete after %d rounds. ***", addrFlushRounds)
}

// addrFlags returns an address's IFA_F_* flags as the kernel reports
// them: every address govrf holds is permanent (it never expires).
func addrFlags(a *control.Addr) uint32 {
	fl := uint32(ifaPermanent)
	if a.Secondary {
		fl |= ifaSecondary
	}
	if a.NoPrefixRoute {
		fl |= ifaNoPrefixRoute
	}
	if a.NoDAD {
		fl |= ifaNoDAD
	}
	return fl
}

// addrMatches applies the address filters of print_addrinfo: scope,
// flags, family, label pattern and `to` prefix.
func (f *listFilter) addrMatches(s *control.Snapshot, l *control.Link, a *control.Addr) bool {
	fam := familyOf(a.Is4())
	switch {
	case f.family != 0 && f.family != fam:
		return false
	case !f.anyScope && a.Scope != f.scope:
		return false
	case (f.flags^addrFlags(a))&f.flagMask != 0:
		return false
	}
	if f.hasLabel {
		label := l.Name
		if a.Is4() {
			label = addrLabel(l, a)
		}
		if ok, err := path.Match(f.label, label); !ok || err != nil {
			return false
		}
	}
	if f.hasTo && f.to.Addr.IsValid() && f.to.Bits > 0 {
		if f.to.Family() != fam || !f.to.Prefix().Masked().Contains(a.Prefix.Addr()) {
			return false
		}
	}
	return true
}
