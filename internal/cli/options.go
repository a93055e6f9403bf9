package cli

import "fmt"

// invocation is what the global options ask for.
type invocation struct {
	opts    Options
	rest    []string // the object and its arguments
	batch   string   // -batch FILE
	version bool     // -Version
	offline bool     // -offline: never ask a daemon
	atomic  bool     // -atomic: a daemon's batch applies all or nothing
	// words are the global options given, as given, but for -batch,
	// -offline and -atomic: what a batch line inherits.
	words []string
}

// globalOption is one of ip's global options. They are tried in ip's order
// (ip/ip.c main), which decides what an abbreviation means: "-b" is
// -batch, "-br" -brief, "-f" -family, "-h" -human.
type globalOption struct {
	name  string
	exact bool                                    // no abbreviation (-4, -echo)
	arg   bool                                    // takes a value
	set   func(inv *invocation, val string) error // nil: accepted, no effect
}

var globalOptions = []globalOption{
	{name: "-loops", arg: true}, // flushes always complete in one pass
	{name: "-family", arg: true, set: setFamily},
	{name: "-4", exact: true, set: func(inv *invocation, _ string) error { inv.opts.Family = 4; return nil }},
	{name: "-6", exact: true, set: func(inv *invocation, _ string) error { inv.opts.Family = 6; return nil }},
	{name: "-0", exact: true, set: unsupported("-0")},
	{name: "-M", exact: true, set: unsupported("-M")},
	{name: "-B", exact: true, set: unsupported("-B")},
	{name: "-human"}, // numbers are small and printed in full
	{name: "-human-readable"},
	{name: "-iec"},
	{name: "-stats", set: addStats},
	{name: "-statistics", set: addStats},
	{name: "-details", set: func(inv *invocation, _ string) error { inv.opts.Details = true; return nil }},
	{name: "-resolve"}, // govrf prints addresses, never host names
	{name: "-oneline", set: func(inv *invocation, _ string) error { inv.opts.Oneline = true; return nil }},
	{name: "-timestamp"},
	{name: "-tshort"},
	{name: "-Version", set: func(inv *invocation, _ string) error { inv.version = true; return nil }},
	{name: "-force", set: func(inv *invocation, _ string) error { inv.opts.Force = true; return nil }},
	{name: "-batch", arg: true, set: func(inv *invocation, v string) error { inv.batch = v; return nil }},
	{name: "-brief", set: func(inv *invocation, _ string) error { inv.opts.Brief = true; return nil }},
	{name: "-json", set: func(inv *invocation, _ string) error { inv.opts.JSON = true; return nil }},
	{name: "-pretty", set: func(inv *invocation, _ string) error { inv.opts.Pretty = true; return nil }},
	{name: "-rcvbuf", arg: true},
	{name: "-color"},
	{name: "-help", set: func(*invocation, string) error { return errUsage(usage) }},
	{name: "-netns", arg: true, set: unsupported("-netns")},
	{name: "-Numeric"},
	{name: "-all"},
	{name: "-atomic", set: func(inv *invocation, _ string) error { inv.atomic = true; return nil }},
	{name: "-offline", set: func(inv *invocation, _ string) error { inv.offline = true; return nil }},
	{name: "-echo", exact: true},
}

// parseOptions reads the global options before the object.
func parseOptions(argv []string) (invocation, error) {
	return parseOptionsOver(Options{}, argv)
}

// parseOptionsOver reads global options on top of o (a batch line's
// options add to the command line's).
func parseOptionsOver(o Options, argv []string) (invocation, error) {
	if len(argv) > 0 && (argv[0] == "" || argv[0][0] != '-') {
		// No options: most batch lines. Returning before inv is made
		// keeps it off the heap (the options' setters take its address).
		return invocation{opts: o, rest: argv}, nil
	}
	inv := invocation{opts: o}
	i := 0
	for ; i < len(argv); i++ {
		opt := argv[i]
		if opt == "--" {
			i++
			break
		}
		if len(opt) == 0 || opt[0] != '-' {
			break
		}
		if len(opt) > 1 && opt[1] == '-' {
			opt = opt[1:]
		}
		g, ok := findOption(opt)
		if !ok {
			return inv, &cmdError{fmt.Sprintf("Option %q is unknown, try \"govrf -help\".", opt), exitUsage}
		}
		val := ""
		if g.arg {
			if i+1 >= len(argv) {
				return inv, errUsage(usage)
			}
			i++
			val = argv[i]
		}
		if g.set != nil {
			if err := g.set(&inv, val); err != nil {
				return inv, err
			}
		}
		switch {
		case g.name == "-batch" || g.name == "-offline" || g.name == "-atomic":
		case g.arg:
			inv.words = append(inv.words, argv[i-1], val)
		default:
			inv.words = append(inv.words, argv[i])
		}
	}
	inv.rest = argv[i:]
	return inv, nil
}

func findOption(opt string) (globalOption, bool) {
	for _, g := range globalOptions {
		if g.exact && opt == g.name || !g.exact && matches(opt, g.name) {
			return g, true
		}
	}
	if len(opt) > len("-color") && opt[:len("-color=")] == "-color=" {
		return globalOption{name: "-color"}, true
	}
	return globalOption{}, false
}

func addStats(inv *invocation, _ string) error {
	inv.opts.Stats++
	return nil
}

// setFamily reads -family's value (read_family).
func setFamily(inv *invocation, v string) error {
	switch v {
	case "inet":
		inv.opts.Family = 4
	case "inet6":
		inv.opts.Family = 6
	case "help":
		return errUsage(usage)
	default:
		return errInvArg("invalid protocol family", v)
	}
	return nil
}

// unsupported refuses an ip option govrf has no use for.
func unsupported(name string) func(*invocation, string) error {
	return func(*invocation, string) error {
		return &cmdError{fmt.Sprintf("Option %q is not supported by govrf.", name), exitUsage}
	}
}
