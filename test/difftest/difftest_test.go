package difftest

import (
	"cmp"
	"flag"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

var (
	flagSeed     = flag.Uint64("difftest.seed", 1, "seed of the random configurations and queries")
	flagConfigs  = flag.Int("difftest.configs", 20, "number of random configurations")
	flagQueries  = flag.Int("difftest.queries", 500, "route get queries per configuration")
	flagMinimise = flag.Int("difftest.minimise", 3, "kinds of disagreement to minimise")
)

// TestIntegrationDifferentialRouteGet loads random policy-routing
// configurations into Linux and govrf and compares line acceptance and
// the answers to random `route get` queries. Other seeds and sizes:
//
//	go test ./test/difftest -run Differential -difftest.seed=7 -difftest.configs=100
//
// Configuration n of a seed is the same whatever -difftest.configs says,
// so a reported case reproduces with any count above n.
func TestIntegrationDifferentialRouteGet(t *testing.T) {
	requireLinux(t)
	env := newTestEnv(t)
	start := time.Now()
	var sum Outcome
	for i := range *flagConfigs {
		cfg := Generate(*flagSeed, i)
		o, err := Compare(env, cfg.Cmds, Queries(cfg, *flagSeed, i, *flagQueries))
		if err != nil {
			t.Fatalf("Compare(seed %d config %d): %v", *flagSeed, i, err)
		}
		origin := fmt.Sprintf("-difftest.seed=%d config %d", *flagSeed, i)
		for _, ms := range []*[]Mismatch{&o.Mismatches, &o.MessageMismatches} {
			for k := range *ms {
				(*ms)[k].Origin = origin
			}
		}
		sum.add(o)
	}
	t.Logf("seed %d: %d configs, %d lines (%d accepted by Linux, %d with the same acceptance), "+
		"%d queries: %d agree, %d differ only in the multipath path taken, in %v",
		*flagSeed, *flagConfigs, sum.Lines, len(sum.LinuxAcceptedLines), sum.LinesAgree,
		sum.Queries, sum.Agree, sum.Multipath, time.Since(start).Round(time.Millisecond))
	var accept, answers []Mismatch
	for _, m := range sum.Mismatches {
		if m.Query == nil {
			accept = append(accept, m)
		} else {
			answers = append(answers, m)
		}
	}
	budget := *flagMinimise
	report(t, env, "route get answers", answers, &budget)
	report(t, env, "line acceptance", accept, &budget)
	report(t, env, "error messages of refused lines", sum.MessageMismatches, &budget)
}

// add accumulates o into s.
func (s *Outcome) add(o *Outcome) {
	s.Lines += o.Lines
	s.LinesAgree += o.LinesAgree
	s.Queries += o.Queries
	s.Agree += o.Agree
	s.Multipath += o.Multipath
	s.Mismatches = append(s.Mismatches, o.Mismatches...)
	s.MessageMismatches = append(s.MessageMismatches, o.MessageMismatches...)
	s.LinuxAcceptedLines = append(s.LinuxAcceptedLines, o.LinuxAcceptedLines...)
}

// report fails the test with the mismatches of one check, grouped by
// kind, most frequent first; the first *budget kinds are minimised.
func report(t *testing.T, env Env, check string, ms []Mismatch, budget *int) {
	t.Helper()
	if len(ms) == 0 {
		return
	}
	groups := map[string][]Mismatch{}
	for _, m := range ms {
		groups[m.signature()] = append(groups[m.signature()], m)
	}
	kinds := slices.SortedFunc(maps.Keys(groups), func(a, b string) int {
		return cmp.Or(len(groups[b])-len(groups[a]), cmp.Compare(a, b))
	})
	t.Errorf("%s: %d disagreements of %d kinds", check, len(ms), len(kinds))
	for _, k := range kinds {
		m := groups[k][0]
		how, config := "first case", false
		if *budget > 0 {
			*budget--
			min, err := Minimise(env, m, 150)
			if err != nil {
				t.Fatalf("Minimise: %v", err)
			}
			m, how, config = min, "minimised", true
		}
		t.Errorf("%s: %d× [%s], %s:\n%s", check, len(groups[k]), k, how, m.Report(config))
	}
}
