#!/bin/bash
# SPDX-License-Identifier: MIT
# Container HEALTHCHECK (sim/ims/Containerfile): one SIP OPTIONS to Kamailio on
# 127.0.0.1:$STBSIM_SIP_PORT, healthy when it answers 200. The Call-ID prefix "stbsim-probe-"
# keeps the probe out of the SIP observation log (kamailio.cfg.in), like stbsim-ims's probe.
set -u
port=${STBSIM_SIP_PORT:-5060}
exec 3<>"/dev/udp/127.0.0.1/$port" || exit 1
id="stbsim-probe-health-$$-$RANDOM"
printf -v msg 'OPTIONS sip:127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\nFrom: <sip:health@127.0.0.1>;tag=%s\r\nTo: <sip:127.0.0.1:%s>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' \
	"$port" "$RANDOM$RANDOM" "$RANDOM" "$port" "$id"
# one write, one datagram (bash writes line by line); rport: answer to our source port
printf '%s' "$msg" | dd bs=8192 count=1 iflag=fullblock status=none >&3
# bash's read takes a datagram byte by byte (losing the rest): dd reads it whole
line=$(timeout 2 dd bs=8192 count=1 status=none <&3 | head -n 1)
[ -n "$line" ] || { echo "no answer from 127.0.0.1:$port within 2 s"; exit 1; }
case $line in
"SIP/2.0 200"*) echo "ok: $line"; exit 0 ;;
*) echo "unexpected: $line"; exit 1 ;;
esac
