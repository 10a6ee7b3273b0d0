#!/bin/sh
# SPDX-License-Identifier: MIT
# Render the stbsim IMS core config outside the C launcher (e.g. for the container):
#   sh sim/ims/render-config.sh OUTDIR [LISTEN_ADDR] [PORT] [SUBSCRIBERS_CSV] [DB_DIR_AS_SEEN_BY_KAMAILIO]
# Writes OUTDIR/kamailio.cfg and OUTDIR/db/{subscriber,version}, exactly as stbsim-ims does
# (sim/ims/ims-provision.c): ha1/ha1b precomputed for realm = domain = ims.test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: render-config.sh OUTDIR [LISTEN_ADDR] [PORT] [SUBSCRIBERS_CSV] [DB_DIR]}
addr=${2:-0.0.0.0}
port=${3:-5060}
csv=${4:-$here/../../fixtures/subscribers.csv}
domain=${DOMAIN:-ims.test}
mkdir -p "$out/db"
db=${5:-$(cd "$out/db" && pwd)}

md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
esc() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/:/\\:/g'; }

{
	echo 'id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string) display(string,null) '
	i=0
	header_seen=
	grep -v '^[[:space:]]*#' "$csv" | grep -v '^[[:space:]]*$' | while IFS= read -r line; do
		if [ -z "$header_seen" ]; then
			header_seen=1
			case $line in user,*) continue ;; esac
		fi
		user=${line%%,*}; rest=${line#*,}
		case $rest in *,*) pass=${rest%%,*}; disp=${rest#*,} ;; *) pass=$rest; disp= ;; esac
		i=$((i + 1))
		printf '%s:%s:%s:%s:%s:%s:%s\n' "$i" "$(esc "$user")" "$domain" "$(esc "$pass")" \
			"$(md5 "$user:$domain:$pass")" "$(md5 "$user@$domain:$domain:$pass")" "$(esc "$disp")"
	done
} > "$out/db/subscriber"
printf 'id(int,auto) table_name(string) table_version(int) \n0:version:1\n0:subscriber:7\n' > "$out/db/version"

instance=container
sed -e "s|@LISTEN_ADDR@|$addr|g" -e "s|@LISTEN_PORT@|$port|g" -e "s|@DOMAIN@|$domain|g" \
	-e "s|@DB_URL@|text://$db|g" -e "s|@CHILDREN@|1|g" -e "s|@DEBUG@|2|g" \
	-e "s|@INSTANCE@|$instance|g" "$here/kamailio.cfg.in" > "$out/kamailio.cfg"
echo "rendered $out/kamailio.cfg (listen udp:$addr:$port, db $db)"
