// Package bench holds govrf's side-by-side benchmarks against the Linux
// kernel on the same machine and topology. They run only with -bench;
// the kernel side needs root and is skipped without it. Figures are
// recorded in BENCHMARKS.md with the command that produced them.
package bench
