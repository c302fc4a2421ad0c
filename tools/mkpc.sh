#!/bin/sh
# mkpc.sh PREFIX LIBDIR INCDIR PKGDIR VERSION - write libarena.pc on stdout.
# Where LIBDIR, INCDIR and PKGDIR lie under PREFIX (the default layout),
# every path is relative to ${pcfiledir}, so that the file still points at
# the right place after the tree is moved or staged (make install DESTDIR=,
# pkg-config --define-prefix); otherwise the paths are absolute.
prefix=$1 libdir=$2 incdir=$3 pkgdir=$4 version=$5

under() { case $2 in "$1"/*) return 0;; esac; return 1; }

if under "$prefix" "$libdir" && under "$prefix" "$incdir" &&
   under "$prefix" "$pkgdir"; then
	# ${pcfiledir}/.. once per component of PKGDIR below PREFIX.
	up=$(printf '%s\n' "${pkgdir#"$prefix"/}" |
	     awk -F/ '{ s = ""; for (i = 1; i <= NF; i++) if ($i != "") s = s "/.."; print s }')
	echo "prefix=\${pcfiledir}$up"
	echo "libdir=\${prefix}/${libdir#"$prefix"/}"
	echo "includedir=\${prefix}/${incdir#"$prefix"/}"
else
	echo "prefix=$prefix"
	echo "libdir=$libdir"
	echo "includedir=$incdir"
fi
cat <<PC

Name: libarena
Description: lock-free bump arena in POSIX shared memory
Version: $version
Requires: liburcu
Cflags: -I\${includedir}
Libs: -L\${libdir} -larena
Libs.private: -lurcu-common -lpthread
PC
