#!/bin/sh
# ipc_plot.sh DAT PNG - the chart of the IPC benchmark (tests/bench/ipc.c)
# from its data file (ipc --dat: "section key size msgs_per_s p50_us" per
# measured row): one-way throughput (million messages/s) at 64 B, 4 KiB
# and 64 KiB, and the round-trip p50 (microseconds) at 64 B, on log scales.
set -u
dat=$1; png=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
awk -v d="$tmp" '
BEGIN {
	L["ring"] = "SPSC ring"; L["ring_x64"] = "ring, x64 index"
	L["ring_zc"] = "ring, zero copy"; L["pipe"] = "pipe"
	L["pipe_x64"] = "pipe, 64/write"; L["unix"] = "UNIX socket"
	L["mq"] = "POSIX mq"; L["zmq"] = "ZeroMQ"; L["iox"] = "iceoryx"
	L["iox_block"] = "iceoryx, WaitSet"; L["chan"] = "channel"
	L["chan_x64"] = "channel, claimv/recvv"; L["chan_4to1"] = "channel 4->1"
	L["chan_1to2"] = "channel 1->2"; L["chan_block"] = "channel, blocking"
	L["line"] = "cache line"; L["pipe_idle"] = "pipe, idle receiver"
	L["chan_idle"] = "channel, idle receiver"
}
function label(k) { return (k in L) ? L[k] : k }
$1 == "tput" {
	if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
	v[$2, $3] = $4 / 1e6
}
$1 == "rtt" && ($3 == 64 || $3 == 8) {
	printf "\"%s\" %s\n", label($2), $5 > (d "/rtt.dat")
}
END {
	f = d "/tput.dat"
	printf "row \"64 B\" \"4 KiB\" \"64 KiB\"\n" > f
	split("64 4096 65536", s, " ")
	for (i = 1; i <= n; i++) {
		k = order[i]
		printf "\"%s\"", label(k) > f
		for (j = 1; j <= 3; j++)
			printf " %s", ((k, s[j]) in v) ? v[k, s[j]] : "NaN" > f
		printf "\n" > f
	}
}' "$dat"
[ -s "$tmp/tput.dat" ] || exit 1
touch "$tmp/rtt.dat"
gnuplot <<GP
set terminal pngcairo size 1400,1100 noenhanced font ",10"
set output "$png"
set datafile missing "NaN"
set multiplot layout 2,1 title "libarena IPC benchmark: two processes on two CPUs (medians of the passes)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set xtics rotate by -30 scale 0
set key top right
set ylabel "million messages / s (one way)"
set title "one-way throughput (64 KiB: zero copy for shared-memory transports)"
plot "$tmp/tput.dat" using 2:xtic(1) title columnheader(2), \
     "" using 3 title columnheader(3), "" using 4 title columnheader(4)
set title "round trip p50, 64 B (cache line: one 8-byte word)"
set ylabel "microseconds"
unset key
plot "$tmp/rtt.dat" using 2:xtic(1) lc rgb "#1f5fd0"
unset multiplot
GP
