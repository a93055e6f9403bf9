module github.com/govrf/govrf

go 1.26.0

require (
	github.com/gaissmai/bart v0.30.0
	golang.org/x/sys v0.50.0
)
