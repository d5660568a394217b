# workloads.sh - the busybox workloads of tlbvisor's Linux initramfs (sourced by /init).
#
# Each workload wl_NAME takes the scale n (a positive integer) and prints one line
# "NAME: ..." ending in a checksum of what it computed; the output depends on nothing but
# n, so it is identical on QEMU, on tlbvisor natively and under the VMM. To add a
# workload, define wl_NAME here and add NAME to ALL (docs/linux.md, "Adding a workload").
ALL="forkexec tmpfs gzip sort pipe"

# A fork and an exec of a separate program per iteration (busybox's /bin/true).
wl_forkexec() {
	i=0
	while [ $i -lt $((200 * $1)) ]; do
		/bin/true
		i=$((i + 1))
	done
	echo "forkexec: $i execs, $(echo $i | md5sum | cut -c1-16)"
}

# Files written, copied, read and removed on tmpfs.
wl_tmpfs() {
	mkdir -p /tmp/w
	i=0
	while [ $i -lt $((8 * $1)) ]; do
		yes "tlbvisor $i abcdefghijklmnopqrstuvwxyz 0123456789" | head -n 2000 > /tmp/w/f$i
		cp /tmp/w/f$i /tmp/w/g$i
		i=$((i + 1))
	done
	sum=$(cat /tmp/w/g* | md5sum | cut -c1-16)
	bytes=$(cat /tmp/w/f* | wc -c)
	rm -r /tmp/w
	echo "tmpfs: $i files, $bytes bytes, $sum"
}

# gzip and gunzip as compute on real data (the start of busybox itself): compress,
# decompress, compare.
wl_gzip() {
	head -c $((131072 * $1)) /bin/busybox > /tmp/gz.in
	gzip -9 -c /tmp/gz.in > /tmp/gz.gz
	gunzip -c /tmp/gz.gz | cmp - /tmp/gz.in && ok=ok || ok=MISMATCH
	echo "gzip: $(wc -c < /tmp/gz.in) -> $(wc -c < /tmp/gz.gz) bytes, round trip $ok, $(md5sum < /tmp/gz.gz | cut -c1-16)"
	rm /tmp/gz.in /tmp/gz.gz
}

# sort as compute: numbers scrambled by awk (its arithmetic is floating point: on this
# FPU-less CPU the kernel's FPU emulator runs it), sorted three ways.
wl_sort() {
	awk "BEGIN { for (i = 1; i <= $((2000 * $1)); i++) print (i * 7919) % 100003, i }" > /tmp/s.in
	a=$(sort -n /tmp/s.in | md5sum | cut -c1-8)
	b=$(sort -k2,2 -r /tmp/s.in | md5sum | cut -c1-8)
	c=$(sort /tmp/s.in | uniq | wc -l)
	rm /tmp/s.in
	echo "sort: $c lines, $a $b"
}

# A pipeline of small tools, all running at once.
wl_pipe() {
	s=$(yes 0123456789 | head -n $((5000 * $1)) | cat -n | tr '0-9' 'a-j' | grep -v 'aa' |
		sed 's/b/B/g' | sort | uniq -c | sort -rn | head -n 50 | md5sum | cut -c1-16)
	w=$(yes 0123456789 | head -n $((5000 * $1)) | cat -n | grep 7 | wc -l)
	echo "pipe: $w lines with a 7, $s"
}

# Nothing: n seconds of sleep (an idle VM).
wl_idle() {
	sleep $1
	echo "idle: slept $1 s"
}

run_workloads() {
	names=$1
	[ "$names" = all ] && names=$ALL
	for w in $(echo "$names" | tr ',' ' '); do
		case $w in
		shell)
			echo "init: shell (poweroff -f to end)"
			setsid cttyhack sh
			;;
		*)
			if type "wl_$w" >/dev/null 2>&1; then
				"wl_$w" "$2"
			else
				echo "init: no workload '$w' (known: $ALL idle shell)"
			fi
			;;
		esac
	done
}
