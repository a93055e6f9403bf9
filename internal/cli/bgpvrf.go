package cli

import (
	"slices"

	"github.com/govrf/govrf/internal/control"
)

// bgpVRF runs `bgp vrf add|del|show`.
func bgpVRF(c *ctx, a *args) error {
	verb := "show"
	if a.more() {
		verb = a.next()
	}
	switch {
	case verb == "add":
		name, err := a.value()
		if err != nil {
			return err
		}
		v, err := parseBGPVRF(a)
		if err != nil {
			return err
		}
		return c.ctl.AddBGPVRF(name, v)
	case verb == "del" || verb == "delete":
		name, err := a.value()
		if err != nil {
			return err
		}
		if a.more() {
			return errUnknown(a.next(), "bgp")
		}
		return c.ctl.DelBGPVRF(name)
	case matches(verb, "show") || matches(verb, "list"):
		return bgpVRFShow(c)
	}
	return errUnknown(verb, "bgp")
}

// parseBGPVRF parses what follows `bgp vrf add NAME`. `rt` takes route
// targets for both directions, then after `import` or `export` for one;
// several `rt` are allowed.
func parseBGPVRF(a *args) (control.BGPVRF, error) {
	var v control.BGPVRF
	var err error
	seen := map[string]bool{}
	once := func(key string) error {
		if seen[key] {
			return errDupArg(key, a.peek())
		}
		seen[key] = true
		return nil
	}
	for a.more() {
		switch w := a.next(); w {
		case "vni":
			if err = once(w); err == nil {
				v.VNI, err = argValue(a, scanU32, "invalid VNI")
			}
		case "rd":
			if err = once(w); err == nil {
				v.RD, err = bgpTag(a)
			}
		case "advertise":
			if err = once(w); err == nil {
				v.Advertise, err = argValue(a, control.ParseAdvertise, `"connected", "static" or "all" is expected`)
			}
		case "rt":
			err = parseRTs(a, &v)
		default:
			return v, errUnknown(w, "bgp")
		}
		if err != nil {
			return v, err
		}
	}
	if v.VNI == 0 || !v.RD.IsValid() {
		return v, failf(exitSyntax, "Error: a VRF needs a VNI and a route distinguisher: govrf bgp vrf add NAME vni VNI rd RD rt RT")
	}
	return v, nil
}

// parseRTs parses the route targets after `rt`.
func parseRTs(a *args, v *control.BGPVRF) error {
	imp, exp := true, true
	n := 0
	for a.more() {
		switch w := a.peek(); w {
		case "import":
			imp, exp = true, false
		case "export":
			imp, exp = false, true
		case "both":
			imp, exp = true, true
		default:
			t, err := control.ParseBGPTag(w)
			if err != nil {
				if n == 0 {
					return errInvArg(err.Error(), w)
				}
				return nil // the next keyword
			}
			if imp && !slices.Contains(v.Import, t) {
				v.Import = append(v.Import, t)
			}
			if exp && !slices.Contains(v.Export, t) {
				v.Export = append(v.Export, t)
			}
			n++
		}
		a.next()
	}
	if n == 0 {
		return errIncomplete()
	}
	return nil
}

// bgpTag parses an RD or RT value.
func bgpTag(a *args) (control.BGPTag, error) {
	w, err := a.value()
	if err != nil {
		return control.BGPTag{}, err
	}
	t, err := control.ParseBGPTag(w)
	if err != nil {
		return t, errInvArg(err.Error(), w)
	}
	return t, nil
}

// bgpVRFShow lists the carried VRFs: name, VNI, RD, route targets and
// what each advertises.
func bgpVRFShow(c *ctx) error {
	s := c.ctl.View()
	b := s.BGP()
	p := c.newPrinter()
	defer p.close()
	if b == nil {
		return nil
	}
	p.textf("%-16s %-9s %-21s %-9s %s\n", "VRF", "VNI", "RD", "Advertise", "Route targets")
	for _, v := range b.VRFs {
		p.openObject("")
		p.str(printAny, "vrf", "%-16s ", s.Link(v.VRF).Name)
		p.uint(printAny, "vni", "%-9d ", uint64(v.VNI))
		p.str(printAny, "rd", "%-21s ", v.RD.String())
		p.str(printAny, "advertise", "%-9s ", v.Advertise.String())
		tags(p, "import", v.Import)
		p.textf(" ")
		tags(p, "export", v.Export)
		p.closeObject()
		p.nl()
	}
	return nil
}

// tags prints route targets as a JSON array of strings, or as text
// "import RT,RT".
func tags(p *printer, key string, ts []control.BGPTag) {
	p.openArray(printAny, key, key+" ")
	for i, t := range ts {
		if i > 0 {
			p.textf(",")
		}
		p.str(printAny, "", "%s", t.String())
	}
	p.closeArray(printAny, "")
}
