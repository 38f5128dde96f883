module ipv4kit.invalid/benches/peers/rawperf

go 1.19

require golang.org/x/net v0.7.0

require golang.org/x/sys v0.5.0 // indirect

// Built offline against Debian's packaged sources (golang-golang-x-net-dev,
// golang-golang-x-sys-dev); run.sh sets GOFLAGS=-mod=mod GOPROXY=off.
replace golang.org/x/net => /usr/share/gocode/src/golang.org/x/net

replace golang.org/x/sys => /usr/share/gocode/src/golang.org/x/sys
