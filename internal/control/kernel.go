package control

import (
	"os"
	"sync"
)

// Kernel holds the build options of the Linux kernel govrf models, where
// they change what a command answers. Linux itself differs by build: the
// same `route get` is answered one way on a kernel with multicast routing
// compiled in and another way without it.
type Kernel struct {
	// IPv6MRoute is CONFIG_IPV6_MROUTE. With it, rt6_fill_node asks the
	// multicast routing cache (ip6mr_get_route) about an input route to a
	// multicast group, and `route get GROUP iif DEV` fails with EMSGSIZE
	// when the cache holds nothing; without it the multicast route found
	// is reported.
	IPv6MRoute bool
}

// HostKernel reads the build options of the running kernel from /proc:
// /proc/net/ip6_mr_cache exists only with CONFIG_IPV6_MROUTE. Where /proc
// says nothing (another system, no procfs) it returns the zero Kernel.
var HostKernel = sync.OnceValue(func() Kernel {
	_, err := os.Stat("/proc/net/ip6_mr_cache")
	return Kernel{IPv6MRoute: err == nil}
})

// Kernel returns the kernel build options this snapshot models.
func (s *Snapshot) Kernel() Kernel { return s.kernel }
